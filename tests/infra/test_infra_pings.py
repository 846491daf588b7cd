"""`/ping/*` is served by a function of its own behind a Lambda Function URL (E16 point 7, E20
point 2): nothing billed per request in front of it."""
from infra import pings


def resources_of(template, kind):
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def ping_function_id(template) -> str:
    return next(k for k, r in template["Resources"].items()
                if r["Type"] == "AWS::Lambda::Function"
                and r["Properties"].get("FunctionName") == "enori-citest-pings")


def test_a_function_url_without_auth_fronts_the_ping_function(home_template):
    [url] = resources_of(home_template, "AWS::Lambda::Url")
    assert url["AuthType"] == "NONE"            # the ping token is the credential
    assert url["TargetFunctionArn"]["Fn::GetAtt"][0] == ping_function_id(home_template)
    # No HTTP API any more: its $1 per million was more than a ping's write.
    assert resources_of(home_template, "AWS::ApiGatewayV2::Api") == []
    [invoke] = [p for p in resources_of(home_template, "AWS::Lambda::Permission")
                if p.get("Action") == "lambda:InvokeFunctionUrl"]
    assert invoke["Principal"] == "*" and invoke["FunctionUrlAuthType"] == "NONE"


def test_the_ping_function_runs_the_apps_routes_from_function_url_events(home_template):
    function = home_template["Resources"][ping_function_id(home_template)]["Properties"]
    assert function["Handler"] == pings.PING_HANDLER == "app.ping_url_handler"
    assert "ENORI_API_KEY_SECRET" not in function["Environment"]["Variables"]


def test_the_ping_function_has_a_role_of_its_own(home_template):
    functions = {r["Properties"].get("FunctionName"): r["Properties"]
                 for r in home_template["Resources"].values()
                 if r["Type"] in ("AWS::Lambda::Function", "AWS::Serverless::Function")}
    ping_role = functions["enori-citest-pings"]["Role"]
    others = [f.get("Role") for name, f in functions.items() if name != "enori-citest-pings"]
    assert ping_role not in others
