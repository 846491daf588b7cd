"""Dashboard and alarms of the stage, and the API's 404 for unknown routes."""
import json


def by_type(template, type_):
    return {k: r for k, r in template["Resources"].items() if r["Type"] == type_}


def test_it_builds_one_dashboard_with_every_graph(home_template):
    (dashboard,) = by_type(home_template, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for title in ("Checks per minute by region", "Failed checks by region",
                  "Alert deliveries by status", "P95 check latency", "Lambda errors",
                  "Lambda throttles", "Lambda duration", "Dead-letter queue depth"):
        assert title in body
    assert "eu-west-1" in body   # the EuWest worker's metrics are read in its own region
    assert "MonitorId" not in body


def test_it_alarms_on_a_silent_scheduler(home_template):
    alarms = by_type(home_template, "AWS::CloudWatch::Alarm").values()
    silent = [a["Properties"] for a in alarms
              if a["Properties"].get("MetricName") == "ChecksDispatched"]
    assert len(silent) == 1
    assert silent[0]["Period"] == 300 and silent[0]["TreatMissingData"] == "breaching"
    assert silent[0]["Namespace"] == "Enori/citest"


def test_it_alarms_on_every_dlq_and_every_function(home_template, region_template):
    # The home stack's functions: Chalice's (Serverless) and the ping function (Lambda).
    for template, function_types in ((home_template, ("AWS::Serverless::Function",
                                                      "AWS::Lambda::Function")),
                                     (region_template, ("AWS::Lambda::Function",))):
        alarms = [a["Properties"] for a in by_type(template, "AWS::CloudWatch::Alarm").values()]
        dlq_alarms = [a for a in alarms if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"]
        dlqs = [q for q in by_type(template, "AWS::SQS::Queue").values()
                if q["Properties"]["QueueName"].endswith("-dlq")]
        assert len(dlq_alarms) == len(dlqs) > 0
        error_alarms = [a for a in alarms if a.get("MetricName") == "Errors"]
        assert len(error_alarms) == sum(len(by_type(template, t)) for t in function_types)
        assert all(a["AlarmActions"] for a in alarms)


def test_it_answers_unknown_routes_with_the_404_envelope(home_template):
    api = home_template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    response = api["x-amazon-apigateway-gateway-responses"]["MISSING_AUTHENTICATION_TOKEN"]
    assert response["statusCode"] == 404
    body = json.loads(response["responseTemplates"]["application/json"])
    assert body["error"] == "Not found" and body["code"] == "NOT_FOUND"
    assert body["message"].startswith("No route")


def test_it_alarms_per_region_when_the_scheduler_cannot_reach_a_region(home_template):
    alarms = [a["Properties"] for a in by_type(home_template, "AWS::CloudWatch::Alarm").values()
              if a["Properties"].get("MetricName") == "DispatchFailures"]
    assert sorted(a["Dimensions"][0]["Value"] for a in alarms) == ["EuWest", "UsEast"]
    assert all(a["Namespace"] == "Enori/citest" and a["AlarmActions"] for a in alarms)


def test_every_region_stack_alarms_when_its_check_queue_went_quiet(home_template,
                                                                   region_template):
    for template, queue in ((home_template, "enori-citest-checks-useast"),
                            (region_template, "enori-citest-checks-euwest")):
        idle = [a["Properties"] for a in by_type(template, "AWS::CloudWatch::Alarm").values()
                if a["Properties"].get("MetricName") == "NumberOfMessagesSent"]
        assert len(idle) == 1, template
        assert idle[0]["Dimensions"] == [{"Name": "QueueName", "Value": queue}]
        assert idle[0]["Period"] == 300 and idle[0]["TreatMissingData"] == "breaching"
        assert idle[0]["ComparisonOperator"] == "LessThanThreshold"
