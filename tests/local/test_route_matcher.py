"""The local gateway's route matcher (local/http_server.SegmentRouteMatcher) answers exactly
what Chalice's RouteMatcher answers, for every route of the app and for paths of no route."""
import pytest
from chalice.local import RouteMatcher

from local.http_server import SegmentRouteMatcher


def answer(matcher, url):
    try:
        found = matcher.match_route(url)
    except ValueError as error:
        return str(error)
    return found.route, found.captured, found.query_params


@pytest.fixture(scope="module")
def routes():
    import app

    return list(app.app.routes)


def test_it_matches_as_chalice_does(routes):
    ours, chalices = SegmentRouteMatcher(routes), RouteMatcher(routes)
    urls = [route.replace("{", "x").replace("}", "") for route in routes]
    urls += ["/", "/ping/t", "/ping/t/", "/ping/t/fail?msg=a&msg=b&rid=", "/ping/t/7",
             "/ping//fail", "/api/monitors/m_1/pings?limit=1", "/nope", "/api/nope/x/y/z",
             "/api/monitors/", "//"]
    assert len(routes) > 50
    for url in urls:
        assert answer(ours, url) == answer(chalices, url), url

