"""Each function's IAM reach (the tables and AWS capabilities `infra/access.py` derives from the
code it runs) is checked in: a change that widens a grant shows in review, as a diff of
function_reach.json. After a deliberate change:
    .venv/bin/python scripts/function-reach.py --json > tests/architecture/function_reach.json"""
import json
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("function_reach.json")


def test_every_function_reaches_what_the_snapshot_says():
    from app import app
    from infra.access import function_reach

    assert function_reach(app) == json.loads(SNAPSHOT.read_text())


def test_the_check_worker_reaches_only_what_it_uses():
    from app import app
    from infra.access import function_reach

    reach = function_reach(app)["check_worker_useast"]
    # control: a surprise reads the scheduler's region cursors (a region never sent a slot's
    # check is dark at once, status/degraded_quorum.py)
    assert reach["tables"] == ["accounts", "check-rollups", "control", "events",
                               "maintenance-windows", "monitor-states", "monitors",
                               "result-batches"]
    assert not reach["sends_email"] and not reach["sends_retries"]
