"""Run by test_now_local in a subprocess pointed at the local stack's DynamoDB Local.
`show ACCOUNT MONITOR`: the monitor's stored telemetry, as JSON. `roll ACCOUNT MONITOR EPOCH`:
the hourly rollup job run as at EPOCH, then the same."""
import json
import sys
from datetime import datetime, timezone

from chalicelib.checks import rollup_job
from chalicelib.kernel.clock import iso
from chalicelib.storage import monitors as monitor_store

mode, account_id, monitor_id = sys.argv[1:4]
done = None
if mode == "roll":
    done = rollup_job.roll_up(datetime.fromtimestamp(int(sys.argv[4]), timezone.utc))
item = monitor_store.get_monitor(account_id, monitor_id)
print(json.dumps({"done": done, "last_checked_at": iso(item.last_checked_at),
                  "uptime_base_hour": None if item.uptime_base_hour is None
                  else int(item.uptime_base_hour),
                  "result_seq": None if item.result_seq is None else int(item.result_seq)}))
