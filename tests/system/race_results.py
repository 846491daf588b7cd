"""Run by test_overview_counts_local in a subprocess pointed at the local stack's DynamoDB Local:
results of one monitor's current hour recorded at once by many workers, then two more whose
telemetry updates land in the reverse order of their rollup ADDs. Prints what was refused."""
import json
import sys
import threading
from datetime import datetime, timezone

from chalicelib.checks.checkers.base import CheckResult
from chalicelib.checks.results import record_result
from chalicelib.storage import monitors as monitor_store

account_id, monitor_id, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
monitor = monitor_store.get_monitor(account_id, monitor_id)
now = datetime.now(timezone.utc)
# Past minutes of this hour (or of the hour just ended in its first minutes): the same hour's
# slots, never one the scheduler sends.
slot = int(now.timestamp()) // 60 * 60 - 120
barrier = threading.Barrier(threads)
refused = []
real = monitor_store.record_check_telemetry


def telemetry(*args, **kwargs):
    landed = real(*args, **kwargs)
    if not landed:
        refused.append(kwargs.get("hour_counts"))
    return landed


monitor_store.record_check_telemetry = telemetry


def result(index: int) -> CheckResult:
    ok = index % 3 != 0
    return CheckResult(ok=ok, response_time_ms=100 + index, status_code=200 if ok else 503)


def record(index: int) -> None:
    barrier.wait()
    assert record_result(monitor, result(index), ("UsEast", "EuWest")[index % 2],
                         slot - index // 2, datetime.now(timezone.utc), retention_days=30)


workers = [threading.Thread(target=record, args=(i,)) for i in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()

held = []
monitor_store.record_check_telemetry = lambda *a, **k: held.append((a, k)) or True
for index in (threads, threads + 1):
    record_result(monitor, result(index), "UsEast", slot - index, datetime.now(timezone.utc), 30)
monitor_store.record_check_telemetry = telemetry
later, earlier = held[1], held[0]
landed = [telemetry(*later[0], **later[1]), telemetry(*earlier[0], **earlier[1])]
print(json.dumps({"refused": len(refused), "landed": landed}))
