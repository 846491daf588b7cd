"""Check timeouts stay below the check worker's Lambda timeout in every region (E16 point 2):
the longest timeout a monitor may have, plus the margin a batch keeps to record its results,
ends before Lambda kills the worker — in the home stack and in every region stack, both lanes."""
from chalicelib.monitors.models import MAX_TIMEOUT_SECONDS
from chalicelib.kernel.settings import REGION_NAMES
from chalicelib.checks.runner import RECORD_MARGIN_SECONDS, SLOW_LANE_BATCH_SIZE


def check_workers(template):
    return {name: r["Properties"] for name, r in template["Resources"].items()
            if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")
            and "check_worker_" in str(r["Properties"].get("Handler", ""))}


def test_every_check_worker_outlives_the_longest_check(home_template, region_template):
    home, remote = check_workers(home_template), check_workers(region_template)
    assert len(home) == 2 and len(remote) == 1     # UsEast and its slow lane; EuWest's one
    for props in [*home.values(), *remote.values()]:
        assert MAX_TIMEOUT_SECONDS + RECORD_MARGIN_SECONDS < props["Timeout"], props
        assert props["MemorySize"] >= 1024


def test_the_size_is_set_for_every_region_not_only_two():
    from infra import worker_sizes

    for region in REGION_NAMES:
        name = f"check_worker_{region.lower()}"
        assert worker_sizes.is_check_worker(name) and worker_sizes.is_check_worker(name + "_slow")
    assert MAX_TIMEOUT_SECONDS + RECORD_MARGIN_SECONDS < worker_sizes.CHECK_WORKER_TIMEOUT_SECONDS


def test_each_region_has_a_slow_lane_feeding_its_worker(home_template, region_template):
    for template, name in ((home_template, "enori-citest-checks-useast-slow"),
                           (region_template, "enori-citest-checks-euwest-slow")):
        queues = {r["Properties"]["QueueName"] for r in template["Resources"].values()
                  if r["Type"] == "AWS::SQS::Queue"}
        assert {name, f"{name}-dlq"} <= queues
        mappings = [r["Properties"] for r in template["Resources"].values()
                    if r["Type"] == "AWS::Lambda::EventSourceMapping"
                    and r["Properties"].get("BatchSize") == SLOW_LANE_BATCH_SIZE]
        assert mappings, template


def test_the_region_worker_may_requeue_to_the_slow_lanes_only(region_template):
    statements = [s for r in region_template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
                  for s in r["Properties"]["PolicyDocument"]["Statement"]]
    sends = [s for s in statements if "sqs:SendMessage" in s["Action"]]
    # ... and home, its results (E16 point 5): never to a check queue's fast lane
    assert sends and all("-slow" in str(s["Resource"]) or "checks-results" in str(s["Resource"])
                         for s in sends), sends


def test_a_chalice_deploy_sizes_every_check_worker_as_cdk_does():
    """`.chalice/config.json` (a deploy without CDK): every region's worker, both lanes, in
    every stage — an unlisted one would get the 30 s default."""
    import json
    from pathlib import Path

    from infra import worker_sizes

    config = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json")
                        .read_text())
    for stage in config["stages"].values():
        functions = stage["lambda_functions"]
        for region in REGION_NAMES:
            for lane in ("", "_slow"):
                sizes = functions[f"check_worker_{region.lower()}{lane}"]
                assert sizes["lambda_timeout"] == worker_sizes.CHECK_WORKER_TIMEOUT_SECONDS
                assert sizes["lambda_memory_size"] == worker_sizes.CHECK_WORKER_MEMORY_MB
