"""Uptime and status badges as SVG, in the shields.io look. Pure: no I/O.

Text is measured with Verdana 11px advance widths (Verdana's own metrics, 2048 units per em,
scaled to 11px), the font the SVG asks for first, so a label never overflows its box. A
character outside the table counts as wide as the widest letter, erring on a roomier box.
"""
from __future__ import annotations

from chalicelib.kernel.vocabulary import MonitorStatus
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

STYLES = ("flat", "flat-square")
DEFAULT_STYLE = "flat"
MAX_LABEL_CHARS = 30
PADDING = 5  # px each side of a text
HEIGHT = 20

COLOURS = {
    "brightgreen": "#4c1", "green": "#97ca00", "yellowgreen": "#a4a61d", "yellow": "#dfb317",
    "orange": "#fe7d37", "red": "#e05d44", "amber": "#dfb317", "gray": "#9f9f9f",
    "label": "#555",
}
STATUS_COLOURS = {MonitorStatus.UP: "brightgreen", MonitorStatus.DOWN: "red", MonitorStatus.DEGRADED: "amber", MonitorStatus.PENDING: "gray",
                  MonitorStatus.PAUSED: "gray", "unknown": "gray"}
# (lowest uptime %, colour), best first.
UPTIME_BANDS = ((99.9, "brightgreen"), (99.0, "green"), (97.0, "yellowgreen"), (95.0, "yellow"),
                (90.0, "orange"), (0.0, "red"))

_UNITS_PER_EM = 2048
_FONT_PX = 11
# Verdana advance widths (font units) of printable ASCII, space to tilde.
_ASCII_UNITS = (
    720, 809, 942, 1716, 1303, 2222, 1485, 549, 928, 928, 1303, 1716, 745, 856, 745, 1303,  # sp-/
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303,                        # 0-9
    889, 889, 1716, 1716, 1716, 1110, 2048,                                              # :-@
    1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 862, 931, 1423, 1183, 1729,          # A-M
    1532, 1612, 1259, 1612, 1427, 1404, 1247, 1499, 1401, 2025, 1403, 1247, 1404,        # N-Z
    928, 1303, 928, 1716, 1303, 1303,                                                    # [-`
    1229, 1276, 1067, 1276, 1220, 720, 1276, 1296, 562, 705, 1212, 562, 1992,            # a-m
    1296, 1243, 1276, 1276, 874, 1067, 807, 1296, 1212, 1665, 1212, 1212, 1051,          # n-z
    1233, 927, 1233, 1716,                                                               # {-~
)
_WIDEST_UNITS = 2222


def char_width(char: str) -> float:
    code = ord(char)
    units = _ASCII_UNITS[code - 32] if 32 <= code <= 126 else _WIDEST_UNITS
    return units * _FONT_PX / _UNITS_PER_EM


def text_width(text: str) -> float:
    """The rendered width (px) of `text` in Verdana 11px."""
    return sum(char_width(c) for c in text)


def uptime_colour(percentage: float) -> str:
    for lowest, colour in UPTIME_BANDS:
        if percentage >= lowest:
            return colour
    return "red"


def format_uptime(percentage: float) -> str:
    """Two decimals at most, rounded down (99.999 % is not 100 %): '99.95%', '100%'."""
    floored = math.floor(percentage * 100 + 1e-9) / 100
    return f"{floored:.2f}".rstrip("0").rstrip(".") + "%"


@dataclass(frozen=True)
class Badge:
    label: str
    value: str
    colour: str   # a name from COLOURS
    style: str = DEFAULT_STYLE


def uptime_badge(percentage: float | None, label: str = "uptime",
                 style: str = DEFAULT_STYLE) -> Badge:
    """None (unknown monitor, paused, no checks in the period) is a gray 'unknown'."""
    if percentage is None:
        return Badge(label, "unknown", "gray", style)
    return Badge(label, format_uptime(percentage), uptime_colour(percentage), style)


def status_badge(status: str | None, label: str = "status", style: str = DEFAULT_STYLE) -> Badge:
    status = status if status in STATUS_COLOURS else "unknown"
    return Badge(label, status.lower(), STATUS_COLOURS[status], style)


def render(badge: Badge) -> str:
    """The badge as a standalone SVG document."""
    left = math.ceil(text_width(badge.label)) + 2 * PADDING
    right = math.ceil(text_width(badge.value)) + 2 * PADDING
    width = left + right
    label, value = escape(badge.label, {'"': "&quot;"}), escape(badge.value, {'"': "&quot;"})
    flat = badge.style != "flat-square"
    radius = ' rx="3"' if flat else ""
    gradient = ('<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
                'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
                if flat else "")
    shine = f'<rect width="{width}" height="{HEIGHT}" fill="url(#s)"/>' if flat else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'role="img" aria-label="{label}: {value}"><title>{label}: {value}</title>{gradient}'
        f'<clipPath id="r"><rect width="{width}" height="{HEIGHT}"{radius} fill="#fff"/>'
        f'</clipPath><g clip-path="url(#r)">'
        f'<rect width="{left}" height="{HEIGHT}" fill="{COLOURS["label"]}"/>'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" fill="{COLOURS[badge.colour]}"/>'
        f'{shine}</g><g fill="#fff" text-anchor="middle" '
        f'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="{_FONT_PX}">'
        f'{_text(left / 2, label)}{_text(left + right / 2, value)}</g></svg>')


def _text(x: float, text: str) -> str:
    """The text and its shadow (shields' 1px drop shadow keeps white text readable)."""
    return (f'<text x="{x:g}" y="15" fill="#010101" fill-opacity=".3">{text}</text>'
            f'<text x="{x:g}" y="14">{text}</text>')
