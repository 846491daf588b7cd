"""Every queue has a DLQ with maxReceiveCount, a visibility timeout of at least six times its
consumer's timeout, and every SQS event source reports partial batch failures."""
from chalice.app import SQSEventConfig

from app import app


def by_type(template, type_):
    return {k: r for k, r in template["Resources"].items() if r["Type"] == type_}


def test_it_gives_every_queue_a_dead_letter_queue(home_template, region_template):
    for template in (home_template, region_template):
        queues = by_type(template, "AWS::SQS::Queue")
        main = {k: q for k, q in queues.items()
                if not q["Properties"]["QueueName"].endswith("-dlq")}
        dlqs = {k for k, q in queues.items() if q["Properties"]["QueueName"].endswith("-dlq")}
        assert main and len(dlqs) == len(main)
        for queue in main.values():
            redrive = queue["Properties"]["RedrivePolicy"]
            assert redrive["maxReceiveCount"] >= 1
            assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in dlqs


def test_it_reports_batch_item_failures_on_every_sqs_event_source(home_template,
                                                                  region_template):
    mappings = [*by_type(home_template, "AWS::Lambda::EventSourceMapping").values(),
                *by_type(region_template, "AWS::Lambda::EventSourceMapping").values()]
    sqs_sources = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
    assert len(mappings) == len(sqs_sources)   # one per @on_sqs_message, wherever it runs
    for mapping in mappings:
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_it_leaves_no_sqs_event_to_chalice(home_template):
    for function in by_type(home_template, "AWS::Serverless::Function").values():
        for event in function["Properties"].get("Events", {}).values():
            assert event["Type"] != "SQS"


def test_it_sets_visibility_timeouts_of_six_consumer_timeouts(home_template, region_template):
    for template, function_type in ((home_template, "AWS::Serverless::Function"),
                                    (region_template, "AWS::Lambda::Function")):
        queues, functions = by_type(template, "AWS::SQS::Queue"), by_type(template, function_type)
        for mapping in by_type(template, "AWS::Lambda::EventSourceMapping").values():
            queue = queues[mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]]
            function = functions[mapping["Properties"]["FunctionName"]["Ref"]]
            assert queue["Properties"]["VisibilityTimeout"] >= \
                6 * function["Properties"]["Timeout"]


def test_it_runs_each_check_region_worker_in_its_own_region(home_template, region_template):
    home_handlers = {f["Properties"]["Handler"]
                     for f in by_type(home_template, "AWS::Serverless::Function").values()}
    assert "chalicelib.checks.worker.check_worker_useast" in home_handlers
    assert not [h for h in home_handlers if h.endswith("check_worker_euwest")]
    workers = list(by_type(region_template, "AWS::Lambda::Function").values())
    assert len(workers) == 1
    worker = workers[0]
    assert worker["Properties"]["Handler"] == \
        "chalicelib.checks.remote_worker.check_worker_euwest"
    env = worker["Properties"]["Environment"]["Variables"]
    assert env["ENORI_HOME_REGION"] == "us-east-1"
    assert env["ENORI_PING_MODE"] == "tcp"
    queue_names = {q["Properties"]["QueueName"]
                   for q in by_type(region_template, "AWS::SQS::Queue").values()}
    assert queue_names == {"enori-citest-checks-euwest", "enori-citest-checks-euwest-dlq",
                           "enori-citest-checks-euwest-slow", "enori-citest-checks-euwest-slow-dlq"}


def test_the_home_stack_holds_the_results_queue_its_dlq_and_its_handler(home_template):
    """E16 point 5: remote regions' results arrive in the home region and are consumed there."""
    queues = {q["Properties"]["QueueName"]: q for q in
              by_type(home_template, "AWS::SQS::Queue").values()}
    assert "enori-citest-checks-results-dlq" in queues
    results = queues["enori-citest-checks-results"]
    assert results["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 1
    functions = by_type(home_template, "AWS::Serverless::Function")
    resources = home_template["Resources"]
    [mapping] = [m for m in by_type(home_template, "AWS::Lambda::EventSourceMapping").values()
                 if resources[m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]]
                 ["Properties"]["QueueName"] == "enori-citest-checks-results"]
    handler = functions[mapping["Properties"]["FunctionName"]["Ref"]]["Properties"]["Handler"]
    assert handler == "chalicelib.checks.worker.remote_results"


def test_results_are_kept_until_recorded_and_stale_checks_are_not(home_template, region_template):
    """A check is no use an hour late; a result measured is history, and must outlive a stopped
    results handler (it sat under the checks' one hour, being named checks-results)."""
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in
              [*by_type(home_template, "AWS::SQS::Queue").values(),
               *by_type(region_template, "AWS::SQS::Queue").values()]}
    assert queues["enori-citest-checks-results"]["MessageRetentionPeriod"] == 4 * 24 * 3600
    assert queues["enori-citest-checks-euwest"]["MessageRetentionPeriod"] == 3600
    assert queues["enori-citest-checks-useast"]["MessageRetentionPeriod"] == 3600
