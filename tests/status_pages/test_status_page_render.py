from html.parser import HTMLParser

import pytest

from chalicelib.status_pages import render
from chalicelib.status_pages.view import overall_status


def days(value):
    return [{"date": f"2026-01-{i % 28 + 1:02d}", "uptimePercentage": value} for i in range(90)]


def view(**overrides):
    base = {
        "name": "Acme <Cloud>", "slug": "acme", "description": "Our services & APIs",
        "status": "partial_outage", "showUptimeBars": True,
        "components": [
            {"name": "API", "group": "Core", "status": "Up", "uptime": days(99.95),
             "uptime90d": 99.95},
            {"name": "Web", "group": None, "status": "Down", "uptime": days(None),
             "uptime90d": None, "responseTimeMs": 120, "url": "https://web.example.com"},
        ],
        "activeIncidents": [{"title": "Web is down", "status": "Investigating",
                             "startedAt": "2026-03-24T09:00:00Z", "resolvedAt": None,
                             "components": ["Web"], "updates": [
                                 {"message": "Looking into it", "status": "Investigating",
                                  "at": "2026-03-24T09:01:00Z"}]}],
        "incidents": [{"title": "API slow", "status": "Resolved",
                       "startedAt": "2026-03-01T09:00:00Z", "resolvedAt": "2026-03-01T10:00:00Z",
                       "components": ["API"], "updates": []}],
        "maintenance": [], "updatedAt": "2026-03-24T10:00:00Z",
    }
    return {**base, **overrides}


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html):
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


def bars(parsed):
    return [a for t, a in parsed.tags if "bar" in (a.get("class") or "").split()]


def test_it_draws_90_focusable_labelled_bars_per_component():
    found = bars(parse(render.render_page(view())))
    assert len(found) == 180
    assert all(b["tabindex"] == "0" and b["aria-label"] and b["title"] for b in found)
    assert "API, 2026-01-01: 99.95% uptime" in [b["aria-label"] for b in found]


def test_it_colours_bars_by_uptime_band():
    found = bars(parse(render.render_page(view())))
    assert {b["class"] for b in found} == {"bar band-green", "bar band-nodata"}


@pytest.mark.parametrize("uptime, band", [
    (100.0, "green"), (99.9, "green"), (99.5, "lime"), (99.0, "lime"), (97.0, "amber"),
    (95.0, "amber"), (94.9, "red"), (None, "nodata")])
def test_bands(uptime, band):
    assert render.band_of(uptime) == band


def test_it_hides_the_bars_when_the_page_opts_out():
    assert bars(parse(render.render_page(view(showUptimeBars=False)))) == []


def test_it_loads_nothing_from_outside():
    parsed = parse(render.render_page(view()))
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "action"):
            value = attrs.get(name)
            assert value is None or value.startswith(("/", "data:")), (tag, name, value)
    assert not [t for t, _ in parsed.tags if t in ("script", "img", "iframe")]
    assert "http://" not in render.render_page(view(components=[]))
    assert "https://" not in render.render_page(view(components=[]))


def test_it_escapes_what_users_wrote():
    html = render.render_page(view())
    assert "Acme &lt;Cloud&gt;" in html and "<Cloud>" not in html
    assert "Our services &amp; APIs" in html


def test_it_has_a_semantic_outline_and_the_subscribe_form():
    parsed = parse(render.render_page(view()))
    tags = [t for t, _ in parsed.tags]
    assert {"header", "main", "section", "ul", "form", "footer"} <= set(tags)
    headings = [int(t[1]) for t in tags if t in ("h1", "h2", "h3", "h4")]
    assert headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:]))  # never skips a level
    form = next(a for t, a in parsed.tags if t == "form")
    assert form == {"method": "post", "action": "/api/public/status-pages/acme/subscribe"}
    assert ("input", {"type": "email", "id": "email", "name": "email", "required": None,
                      "autocomplete": "email", "maxlength": "254",
                      "placeholder": "you@example.com"}) in parsed.tags


def test_it_shows_status_incidents_and_opted_in_details():
    text = " ".join(parse(render.render_page(view())).text)
    assert "Partial outage" in text
    assert "Web is down" in text and "Looking into it" in text
    assert "API slow" in text
    assert "120 ms avg (24h)" in text and "https://web.example.com" in text


def _luminance(hex_colour):
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("name", sorted(render.TEXT_COLOURS))
def test_every_text_colour_pair_has_4_5_to_1_contrast(name):
    light, dark = sorted(map(_luminance, render.TEXT_COLOURS[name]), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5


def test_the_message_page_is_small_and_escaped():
    parsed = parse(render.render_message("Check your inbox", "a <b> c", "/status/acme"))
    assert "a <b> c" in "".join(parsed.text)
    assert ("a", {"href": "/status/acme"}) in parsed.tags


@pytest.mark.parametrize("statuses, maintenance, expected", [
    ([], False, "operational"),
    (["Up", "Up"], False, "operational"),
    (["Up", "Degraded"], False, "degraded"),
    (["Up", "Down", "Degraded"], False, "partial_outage"),
    (["Down", "Down"], False, "major_outage"),
    (["Down", "Paused"], False, "major_outage"),
    (["Up", "Paused", "Pending"], False, "operational"),
    # Precedence: major outage > partial outage > maintenance > (degraded) > operational.
    (["Down", "Up"], True, "partial_outage"),
    (["Down", "Down"], True, "major_outage"),
    (["Down", "Maintenance"], True, "partial_outage"),
    (["Maintenance", "Up"], True, "under_maintenance"),
    (["Maintenance", "Degraded"], True, "under_maintenance"),
    (["Up", "Up"], True, "under_maintenance"),
])
def test_overall_status(statuses, maintenance, expected):
    assert overall_status(statuses, maintenance) == expected


@pytest.mark.parametrize("name, title", [
    ("Acme", "Acme status"), ("Acme Status", "Acme Status"), ("acme status", "acme status"),
    ("Statuspage", "Statuspage status"), ("Status", "Status"),
])
def test_the_title_never_doubles_status(name, title):
    assert render.status_title(name) == title
    assert f"<title>{title}</title>" in render.render_page(view(name=name))


def test_a_component_under_maintenance_reads_maintenance():
    from types import SimpleNamespace

    from chalicelib.status_pages.view import component_status

    down = SimpleNamespace(paused=False, status="Down", state={})
    assert component_status(down, in_maintenance=True) == "Maintenance"
    assert component_status(down) == "Down"
    html = render.render_page(view(components=[{"name": "Web", "status": "Maintenance",
                                                "uptime": [], "uptime90d": None}]))
    assert '<span class="status status-maintenance">Maintenance</span>' in html
