import xml.etree.ElementTree as ET

import pytest

from chalicelib.status_pages import badges

SVG = "{http://www.w3.org/2000/svg}"


def parse(badge):
    return ET.fromstring(badges.render(badge))


def value_fill(root):
    return root.find(f"{SVG}g").findall(f"{SVG}rect")[1].get("fill")


def texts(root):
    return [t.text for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("status, colour", [
    ("Up", "#4c1"), ("Down", "#e05d44"), ("Degraded", "#dfb317"), ("Pending", "#9f9f9f"),
    ("Paused", "#9f9f9f"), (None, "#9f9f9f"), ("Nonsense", "#9f9f9f")])
def test_it_colours_status_badges_by_status(status, colour):
    root = parse(badges.status_badge(status))
    assert value_fill(root) == colour


def test_it_shows_unknown_for_a_missing_status():
    assert texts(parse(badges.status_badge(None)))[-1] == "unknown"


@pytest.mark.parametrize("uptime, colour", [
    (100.0, "#4c1"), (99.9, "#4c1"), (99.89, "#97ca00"), (99.0, "#97ca00"),
    (98.5, "#a4a61d"), (97.0, "#a4a61d"), (96.0, "#dfb317"), (95.0, "#dfb317"),
    (92.0, "#fe7d37"), (90.0, "#fe7d37"), (89.99, "#e05d44"), (0.0, "#e05d44"),
    (None, "#9f9f9f")])
def test_it_colours_uptime_badges_by_band(uptime, colour):
    assert value_fill(parse(badges.uptime_badge(uptime))) == colour


@pytest.mark.parametrize("uptime, text", [
    (100.0, "100%"), (99.999, "99.99%"), (99.95, "99.95%"), (99.5, "99.5%"), (None, "unknown")])
def test_it_formats_uptime_without_rounding_up(uptime, text):
    assert texts(parse(badges.uptime_badge(uptime)))[-1] == text


def test_it_escapes_the_label():
    svg = badges.render(badges.uptime_badge(99.0, label='<a&b>"c"'))
    root = ET.fromstring(svg)
    assert texts(root)[0] == '<a&b>"c"'
    assert root.get("aria-label") == '<a&b>"c": 99%'
    assert "<a&b>" not in svg


@pytest.mark.parametrize("style, rounded", [("flat", True), ("flat-square", False)])
def test_it_draws_both_styles(style, rounded):
    root = parse(badges.status_badge("Up", style=style))
    clip = root.find(f"{SVG}clipPath/{SVG}rect")
    assert (clip.get("rx") is not None) == rounded


def test_the_width_grows_with_the_text_and_fits_it():
    short = parse(badges.uptime_badge(99.0, label="up"))
    long = parse(badges.uptime_badge(99.0, label="production api uptime"))
    assert int(long.get("width")) > int(short.get("width"))
    label_box = long.find(f"{SVG}g").findall(f"{SVG}rect")[0]
    assert int(label_box.get("width")) >= badges.text_width("production api uptime") + 10


def test_wide_letters_measure_wider_than_narrow_ones():
    assert badges.text_width("WWWW") > badges.text_width("iiii") * 2
    assert badges.text_width("é") >= badges.text_width("W")  # outside the table: roomy
