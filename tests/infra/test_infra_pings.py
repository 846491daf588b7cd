"""`/ping/*` is served by a function of its own behind an HTTP API (E16 point 7)."""
from infra import pings


def resources_of(template, kind):
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def test_the_http_api_routes_exactly_the_apps_ping_routes(home_template):
    from app import app

    [api] = resources_of(home_template, "AWS::ApiGatewayV2::Api")
    assert api["ProtocolType"] == "HTTP"
    routes = sorted(r["RouteKey"] for r in resources_of(home_template, "AWS::ApiGatewayV2::Route"))
    expected = sorted(f"{method} {path}" for method, path in pings.ping_routes(app))
    assert routes == expected
    assert {"GET /ping/{token}", "POST /ping/{token}/fail", "HEAD /ping/{token}/start"} <= set(routes)


def test_the_api_invokes_the_ping_function_in_the_rest_event_shape(home_template):
    [integration] = resources_of(home_template, "AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "1.0"     # what Chalice's app reads
    [function_id] = integration["IntegrationUri"]["Fn::GetAtt"][:1]
    function = home_template["Resources"][function_id]["Properties"]
    assert function["FunctionName"] == "enori-citest-pings"
    assert function["Handler"] == "app.app"
    assert "ENORI_API_KEY_SECRET" not in function["Environment"]["Variables"]
    [stage] = resources_of(home_template, "AWS::ApiGatewayV2::Stage")
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True


def test_the_ping_function_has_a_role_of_its_own(home_template):
    functions = {r["Properties"].get("FunctionName"): r["Properties"]
                 for r in home_template["Resources"].values()
                 if r["Type"] in ("AWS::Lambda::Function", "AWS::Serverless::Function")}
    ping_role = functions["enori-citest-pings"]["Role"]
    others = [f.get("Role") for name, f in functions.items() if name != "enori-citest-pings"]
    assert ping_role not in others
    permissions = [p for p in resources_of(home_template, "AWS::Lambda::Permission")
                   if p.get("Principal") == "apigateway.amazonaws.com"
                   and "PingFunction" in str(p.get("FunctionName"))]
    assert len(permissions) == 1
