"""Run by test_now_local in a subprocess pointed at the local stack's DynamoDB Local.
`show ACCOUNT MONITOR`: the monitor's telemetry as the readers see it (its item with what the
rollup job kept of it on its shard's rolled item), as JSON. `roll ACCOUNT MONITOR EPOCH`:
the hourly rollup job run as at EPOCH, then the same."""
import json
import sys
from datetime import datetime, timezone

from chalicelib.checks import rollup_job
from chalicelib.kernel.clock import iso
from chalicelib.monitors import now
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import result_batches as batches

mode, account_id, monitor_id = sys.argv[1:4]
done = None
if mode == "roll":
    done = rollup_job.roll_up(datetime.fromtimestamp(int(sys.argv[4]), timezone.utc))
item = monitor_store.get_monitor(account_id, monitor_id)
on_item = item.uptime_base_hour     # the monitor item itself: the job no longer writes it
place = batches.place_of(item)
if place is not None:
    now.apply_rolled(item, batches.rolled_of(place[0]).rolled_entries().get(place[1]))
print(json.dumps({"done": done, "base_on_item": on_item, "last_checked_at": iso(item.last_checked_at),
                  "uptime_base_hour": None if item.uptime_base_hour is None
                  else int(item.uptime_base_hour),
                  "result_seq": None if item.result_seq is None else int(item.result_seq)}))
