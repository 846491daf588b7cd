"""Least privilege: every function has its own role; data actions name their resources; nothing
may Scan or use dynamodb:*; each role reaches only the tables its code uses."""
import json
import re

import pytest

DATA_SERVICES = ("dynamodb:", "sqs:", "sns:", "ses:", "secretsmanager:", "s3:", "kms:")


def statements(template):
    for key, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Policy":
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                yield key, statement
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield key, statement


def as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.fixture(params=["home", "region"])
def template(request, home_template, region_template):
    return home_template if request.param == "home" else region_template


def test_it_never_grants_scan_or_dynamodb_star(template):
    for key, statement in statements(template):
        actions = as_list(statement["Action"])
        assert "dynamodb:Scan" not in actions, key
        assert not any(a in ("*", "dynamodb:*") or a.endswith(":*") for a in actions), key


def test_it_never_grants_data_actions_on_every_resource(template):
    for key, statement in statements(template):
        actions = as_list(statement["Action"])
        if any(a.startswith(DATA_SERVICES) for a in actions):
            assert "*" not in as_list(statement["Resource"]), (key, statement)


def test_it_gives_every_function_its_own_role(home_template):
    functions = [r for r in home_template["Resources"].values()
                 if r["Type"] == "AWS::Serverless::Function"]
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions]
    assert len(set(roles)) == len(functions)


def table_grants(template, role_prefix):
    found = []
    for key, statement in statements(template):
        if key.startswith(role_prefix) and statement.get("Sid") == "Tables":
            found += [json.dumps(r) for r in as_list(statement["Resource"])]
    return found


def test_it_limits_the_scheduler_to_the_tables_its_code_uses(home_template):
    grants = " ".join(table_grants(home_template, "RunSchedulerRole"))
    assert "table/enori-citest-monitors" in grants and "table/enori-citest-control" in grants
    assert "enori-citest-api-keys" not in grants and "enori-citest-accounts" not in grants


def granted_tables(template, role_prefix):
    return {table for grant in table_grants(template, role_prefix)
            for table in re.findall(r"table/enori-citest-([a-z-]+)", grant)}


def sids(template, role_prefix):
    return {statement.get("Sid") for key, statement in statements(template)
            if key.startswith(role_prefix)}


def test_the_check_workers_reach_only_the_tables_their_code_uses(home_template, region_template):
    # control: a surprise reads the scheduler's region cursors (a region never sent a slot's
    # check is dark at once, status/degraded_quorum.unreached).
    uses = {"accounts", "check-rollups", "control", "events", "maintenance-windows",
            "monitor-states", "monitors", "result-batches"}
    assert granted_tables(home_template, "CheckWorkerUseastRole") == uses
    assert granted_tables(home_template, "RemoteResultsRole") == uses   # records remote results
    assert "SendEmail" not in sids(home_template, "CheckWorkerUseastRole")


def test_a_remote_worker_may_only_consume_its_queues_requeue_there_and_send_results_home(
        region_template):
    """E16 point 5: no DynamoDB, no topic; receive its own queues, send to its own slow lane
    and to the home region's results queue, nothing else."""
    granted = [(sid, actions, resource) for key, s in statements(region_template)
               if key.startswith("CheckWorkerRole")
               for sid, actions, resource in [(s.get("Sid"), as_list(s["Action"]),
                                               json.dumps(s["Resource"]))]]
    assert not [g for g in granted if any(a.startswith(("dynamodb:", "sns:", "ses:"))
                                          for a in g[1])]
    assert {sid for sid, _, _ in granted} == {"ConsumeQueue", "RequeueToSlowLanes",
                                              "SendResultsHome"}
    [(_, send, home)] = [g for g in granted if g[0] == "SendResultsHome"]
    assert "sqs:SendMessage" in send and "sqs:ReceiveMessage" not in send
    assert ":sqs:us-east-1:" in home and "enori-citest-checks-results" in home
    [(_, _, lanes)] = [g for g in granted if g[0] == "RequeueToSlowLanes"]
    assert re.findall(r"enori-citest-checks-[a-z-]+", lanes) == ["enori-citest-checks-euwest-slow"]
    consumed = " ".join(r for sid, _, r in granted if sid == "ConsumeQueue")
    assert "results" not in consumed and "useast" not in consumed


def test_home_workers_never_send_results_and_the_results_handler_consumes_them(home_template):
    for key, statement in statements(home_template):
        assert statement.get("Sid") != "SendResultsHome", key
    [(_, consumed)] = grants_of(home_template, "RemoteResultsRole", "ConsumeQueue")
    queue = home_template["Resources"][json.loads(consumed)["Fn::GetAtt"][0]]
    assert queue["Properties"]["QueueName"] == "enori-citest-checks-results"


def test_no_function_may_mail_or_publish_unless_its_code_does(home_template):
    never_mail = ("OnEventForIncidentsRole", "DetectMissedRunsRole", "RunSchedulerRole")
    never_publish = ("DeliverEventsRole", "RetryAlertsRole", "OnEventForEscalationsRole",
                     "RunEscalationsRole", "GenerateMonthlyReportsRole",
                     "OnEventForStatusPagesRole", "RunSchedulerRole")
    for role in never_mail + never_publish:
        assert "Tables" in sids(home_template, role), role    # the role exists
    for role in never_mail:
        assert "SendEmail" not in sids(home_template, role), role
    for role in never_publish:
        assert "PublishEvents" not in sids(home_template, role), role


def test_it_keeps_the_api_key_secret_out_of_the_template_and_the_workers(home_template):
    text = json.dumps(home_template)
    assert "{{resolve:secretsmanager:" in text
    for key, resource in home_template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function" and key != "APIHandler":
            assert "ENORI_API_KEY_SECRET" not in resource["Properties"]["Environment"]["Variables"]


def grants_of(template, role_prefix, sid):
    return [(as_list(s["Action"]), json.dumps(s["Resource"])) for key, s in statements(template)
            if key.startswith(role_prefix) and s.get("Sid") == sid]


def test_the_redrive_may_take_from_the_retry_dlq_and_send_to_the_retry_queue_only(home_template):
    [(actions, dlq)] = grants_of(home_template, "RedriveDeadLettersRole", "RedriveDeadLetters")
    assert "sqs:ReceiveMessage" in actions and "sqs:DeleteMessage" in actions
    assert "enori-citest-alert-retries-dlq" in dlq
    [(actions, queue)] = grants_of(home_template, "RedriveDeadLettersRole", "RedriveToQueue")
    assert "sqs:SendMessage" in actions
    assert "enori-citest-alert-retries" in queue and "-dlq" not in queue
    assert grants_of(home_template, "DeliverEventsRole", "RedriveDeadLetters") == []
