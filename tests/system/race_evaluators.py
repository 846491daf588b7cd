"""Run by test_evaluator_concurrency in a subprocess pointed at the local stack's DynamoDB Local
and moto server: many evaluators fold the same failing slot into one monitor at once."""
import json
import sys
import threading

from chalicelib.status import evaluator
from chalicelib.status.state_machine import Observation, Policy
from chalicelib.storage.monitors import get_monitor

account_id, monitor_id, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
monitor = get_monitor(account_id, monitor_id)
policy = Policy(regions=("UsEast", "EuWest"), failure_threshold=1)
barrier = threading.Barrier(threads)
committed = []


def evaluate(index: int) -> None:
    region = ("UsEast", "EuWest")[index % 2]
    barrier.wait()
    transitions = evaluator.evaluate_observation(
        monitor, Observation(slot=600, region=region, ok=False, error="connection refused"), policy)
    committed.extend(t.event for t in transitions)


workers = [threading.Thread(target=evaluate, args=(i,)) for i in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
print(json.dumps({"down": committed.count("monitor.down")}))
