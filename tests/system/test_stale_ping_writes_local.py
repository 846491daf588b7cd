"""A refused ping write carries the job state it found, on the real DynamoDB Local (E20): the
job state's conditional put asks for it (ReturnValuesOnConditionCheckFailure ALL_OLD) and the
ping refreshes from it instead of a GetItem. moto answers it too; this proves that the version
of DynamoDB Local the stack runs (1.25.0 or later) does, alone and in a group's transaction."""
import json
import os
import subprocess
import sys

from conftest import REPO_ROOT, _require_dynamodb_local

from local.dynamodb_local import DynamoDBLocal

# Run in a process of its own: settings are read once per process, at import.
SCRIPT = """
import json
from awsrequests import counted_aws_requests
from chalicelib.storage import job_states, ping_writes
from chalicelib.storage.job_states import JobStateItem

JobStateItem.create_table(billing_mode="PAY_PER_REQUEST", wait=True)


def a_write(monitor_id, read_version=None, context=None):
    version = 0 if read_version is None else read_version
    return ping_writes.JobWrite(JobStateItem(
        job_states.shard_of(monitor_id), monitor_id, account_id="acc_1", version=version + 1,
        context=context, buffer=["an entry"]), read_version)


def refused(write_it):
    try:
        write_it()
    except ping_writes.StaleJobError as stale:
        return None if stale.found is None else stale.found.attribute_values
    return "written"


ping_writes.write_alone(a_write("mon_a", context=4))
ping_writes.write_alone(a_write("mon_a", 1, context=4))              # version 2
with counted_aws_requests() as seen:
    alone = refused(lambda: ping_writes.write_alone(a_write("mon_a", 1)))
    created = refused(lambda: ping_writes.write_alone(a_write("mon_a")))
    fates = ping_writes.write_together([a_write("mon_b"), a_write("mon_a", 1)])
    gone = refused(lambda: ping_writes.write_alone(a_write("mon_gone", 3)))
print(json.dumps({"alone": alone, "created": created, "gone": gone,
                  "group": [f if isinstance(f, str) else f.found.attribute_values for f in fates],
                  "operations": seen.operations}, default=str))
"""


def test_a_refused_write_carries_the_state_it_found_on_dynamodb_local(tmp_path):
    _require_dynamodb_local()
    dynamodb = DynamoDBLocal(tmp_path / "db")
    dynamodb.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ENORI_", "AWS_"))}
        env.update(ENORI_DYNAMODB_ENDPOINT=dynamodb.endpoint, ENORI_STAGE="stale",
                   AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
                   AWS_DEFAULT_REGION="us-east-1",
                   PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "tests")]))
        done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    finally:
        dynamodb.stop()
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    for found in (seen["alone"], seen["created"], seen["group"][1]):
        assert (found["monitor_id"], found["version"], found["context"], found["buffer"]) == \
            ("mon_a", 2, 4, ["an entry"])
    assert seen["group"][0] == "again"                  # its own condition held
    assert seen["gone"] is None                         # nothing there to carry
    assert seen["operations"] == ["PutItem", "PutItem", "TransactWriteItems", "PutItem"]
