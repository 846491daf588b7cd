"""Pure parts of the dashboard: the stage prefix of links, forms to bodies, 400s to fields, the
chart's series, roles to scopes."""
from types import SimpleNamespace

from chalicelib.kernel.errors import ValidationError
from chalicelib.web import charts, forms, roles
from chalicelib.web.pages import site_root


def request(path, resource, params):
    return SimpleNamespace(context={"path": path, "resourcePath": resource}, uri_params=params)


def test_links_keep_an_api_gateway_stage_prefix():
    assert site_root(request("/dev/monitors/mon_1", "/monitors/{monitor_id}",
                             {"monitor_id": "mon_1"})) == "/dev"
    assert site_root(request("/monitors/mon_1", "/monitors/{monitor_id}",
                             {"monitor_id": "mon_1"})) == ""
    assert site_root(request("/api/", "/", None)) == "/api"


def test_a_form_becomes_the_apis_body():
    form = {"name": [" Shop "], "intervalSeconds": ["60"], "port": ["eighty"], "url": [""],
            "regions": ["UsEast", "EuWest"], "tags": ["a, b,,"], "alertOnDown": ["on"]}
    body = forms.body_from(form, texts=("name", "url"), numbers=("intervalSeconds", "port"),
                           lists=("regions",), csv=("tags",), flags=("alertOnDown", "paused"))
    assert body == {"name": "Shop", "intervalSeconds": 60, "port": "eighty",
                    "regions": ["UsEast", "EuWest"], "tags": ["a", "b"], "alertOnDown": True,
                    "paused": False}


def test_a_400_lands_on_its_fields():
    error = ValidationError("x", details=[{"field": "tags.3", "message": "too long"},
                                          {"field": "url", "message": "required"}])
    assert forms.errors_of(error) == {"tags": "too long", "url": "required"}
    assert forms.errors_of(ValidationError("Bad.")) == {"_form": "Bad."}


def test_the_chart_has_one_time_axis_and_a_series_per_region():
    results = [
        {"checkedAt": "2026-03-24T10:01:00Z", "region": "UsEast", "ok": True, "responseTimeMs": 120},
        {"checkedAt": "2026-03-24T10:00:00Z", "region": "EuWest", "ok": False, "responseTimeMs": 30},
        {"checkedAt": "2026-03-24T10:00:00Z", "region": "UsEast", "ok": True, "responseTimeMs": 100},
    ]
    data = charts.response_times(results)
    assert data["regions"] == ["EuWest", "UsEast"]
    assert data["times"] == [1774346400, 1774346460]
    assert data["values"] == [[None, None], [100, 120]]


def test_a_viewer_reads_only_and_owners_have_every_scope():
    assert all(s.endswith(":read") for s in roles.scopes_for("Viewer"))
    assert roles.scopes_for("Owner") == ("*",)
    assert "*" not in roles.scopes_for("Member")
    assert roles.scopes_for("Stranger") == roles.scopes_for("Viewer")
