"""The public status page as HTML, from the dict of `status_page_view` (the same one the JSON
route returns). Pure: no I/O, no clock.

Self-contained on purpose: inline CSS, system fonts, no script, no external request of any kind,
so a page works behind strict networks and leaks no visitor to a third party. Tooltips on the
uptime bars are CSS (`:hover`/`:focus` show `data-tip`), with the same text in `title` and
`aria-label` for assistive technology. Every text colour pair is in `TEXT_COLOURS`, which a test
holds to WCAG's 4.5:1.
"""
from __future__ import annotations

from datetime import datetime
from html import escape

OVERALL_TEXT = {
    "operational": "All systems operational",
    "degraded": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}
# (text, background) of every coloured text on the page.
TEXT_COLOURS = {
    "body": ("#1f2328", "#ffffff"),
    "muted": ("#57606a", "#ffffff"),
    "overall-operational": ("#ffffff", "#1a7f37"),
    "overall-degraded": ("#1f2328", "#f2c744"),
    "overall-partial_outage": ("#ffffff", "#bc4c00"),
    "overall-major_outage": ("#ffffff", "#cf222e"),
    "overall-under_maintenance": ("#ffffff", "#0969da"),
    "status-up": ("#1a7f37", "#ffffff"),
    "status-down": ("#cf222e", "#ffffff"),
    "status-degraded": ("#9a6700", "#ffffff"),
    "status-paused": ("#57606a", "#ffffff"),
    "status-pending": ("#57606a", "#ffffff"),
    "status-maintenance": ("#0969da", "#ffffff"),
    "tooltip": ("#ffffff", "#1f2328"),
    "button": ("#ffffff", "#0969da"),
}
# Bar fill by uptime band (best first) and for days without data.
BANDS = ((99.9, "green", "#2da44e"), (99.0, "lime", "#8ac926"), (95.0, "amber", "#e3a008"),
         (0.0, "red", "#cf222e"))
NO_DATA = ("nodata", "#c9d1d9")


def status_title(page_name: str) -> str:
    """"Acme status", but "Acme Status" for a page already named so (no "Acme Status status"):
    the HTML title and the subscription mails' subjects."""
    words = page_name.split()
    return page_name if words and words[-1].lower() == "status" else f"{page_name} status"


def band_of(uptime: float | None) -> str:
    """The CSS band name of a day's uptime: green, lime, amber, red, or nodata."""
    if uptime is None:
        return NO_DATA[0]
    return next(name for lowest, name, _ in BANDS if uptime >= lowest)


def _when(value: str | None) -> str:
    if not value:
        return ""
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return at.strftime("%b %d, %Y %H:%M UTC")


def _time(value: str | None) -> str:
    return f'<time datetime="{escape(value or "")}">{escape(_when(value))}</time>'


def _uptime_text(uptime: float | None) -> str:
    return "no data" if uptime is None else f"{uptime:g}% uptime"


# --- pieces ------------------------------------------------------------------------------------

def _bars(component: dict) -> str:
    name = component["name"]
    items = []
    for day in component.get("uptime", []):
        tip = f"{day['date']}: {_uptime_text(day['uptimePercentage'])}"
        items.append(f'<li><span class="bar band-{band_of(day["uptimePercentage"])}" tabindex="0"'
                     f' role="img" title="{escape(tip)}" aria-label="{escape(f"{name}, {tip}")}"'
                     f' data-tip="{escape(tip)}"></span></li>')
    overall = _uptime_text(component.get("uptime90d"))
    return (f'<ul class="bars" aria-label="{escape(name)}: daily uptime, last 90 days">'
            f'{"".join(items)}</ul><p class="legend muted"><span>90 days ago</span>'
            f'<span>{escape(overall)}</span><span>Today</span></p>')


def _component(component: dict, show_bars: bool, level: int) -> str:
    status = component["status"]
    extra = []
    if component.get("responseTimeMs") is not None:
        extra.append(f'<span class="muted">{int(component["responseTimeMs"])} ms avg (24h)</span>')
    if component.get("url"):
        extra.append(f'<code class="muted">{escape(component["url"])}</code>')
    return (f'<li class="component"><div class="component-head">'
            f'<h{level} class="component-name">{escape(component["name"])}</h{level}>'
            f'<span class="status status-{escape(status.lower())}">{escape(status)}</span></div>'
            f'{"".join(extra)}{_bars(component) if show_bars else ""}</li>')


def _components(view: dict) -> str:
    show_bars = view.get("showUptimeBars", True)
    groups: dict[str, list[dict]] = {}
    for component in view["components"]:  # groups in order of first appearance
        groups.setdefault(component.get("group") or "", []).append(component)
    parts = []
    for group, members in groups.items():
        # Headings never skip a level: h2 Components > h3 group > h4 component.
        items = "".join(_component(c, show_bars, 4 if group else 3) for c in members)
        heading = f"<h3>{escape(group)}</h3>" if group else ""
        parts.append(f'<div class="group">{heading}<ul class="components">{items}</ul></div>')
    body = "".join(parts) or '<p class="muted">No components yet.</p>'
    return (f'<section aria-labelledby="components-title">'
            f'<h2 id="components-title">Components</h2>{body}</section>')


def _incident(incident: dict) -> str:
    updates = "".join(
        f'<li><strong>{escape(u.get("status") or "Update")}</strong> — '
        f'{escape(u.get("message") or "")} <span class="muted">{_time(u.get("at"))}</span></li>'
        for u in incident.get("updates", []))
    affected = ", ".join(incident.get("components") or [])
    meta = f"Started {_time(incident.get('startedAt'))}"
    if incident.get("resolvedAt"):
        meta += f" · resolved {_time(incident['resolvedAt'])}"
    if affected:
        meta += f" · {escape(affected)}"
    return (f'<li><article class="incident"><h3>{escape(incident["title"])}'
            f' <span class="pill">{escape(incident["status"])}</span></h3>'
            f'<p class="muted">{meta}</p><ol class="updates">{updates}</ol></article></li>')


def _incidents(title: str, anchor: str, incidents: list[dict], empty: str | None) -> str:
    if not incidents and empty is None:
        return ""
    body = (f'<ul class="incidents">{"".join(_incident(i) for i in incidents)}</ul>'
            if incidents else f'<p class="muted">{escape(empty or "")}</p>')
    return f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{title}</h2>{body}</section>'


def _maintenance(windows: list[dict]) -> str:
    if not windows:
        return ""
    items = "".join(
        f'<li><h3>{escape(str(w.get("title", "Maintenance")))}'
        f' <span class="pill">{escape(str(w.get("status", "")).replace("_", " "))}</span></h3>'
        f'<p class="muted">{_time(w.get("startsAt"))} – {_time(w.get("endsAt"))}</p>'
        f'{"<p>" + escape(str(w["description"])) + "</p>" if w.get("description") else ""}</li>'
        for w in windows)
    return (f'<section aria-labelledby="maintenance-title"><h2 id="maintenance-title">'
            f'Maintenance</h2><ul class="incidents">{items}</ul></section>')


def _subscribe(slug: str) -> str:
    return (f'<section aria-labelledby="subscribe-title"><h2 id="subscribe-title">'
            f'Get updates by email</h2>'
            f'<form method="post" action="/api/public/status-pages/{escape(slug)}/subscribe">'
            f'<label for="email">Email address</label>'
            f'<input type="email" id="email" name="email" required autocomplete="email"'
            f' maxlength="254" placeholder="you@example.com">'
            f'<button type="submit">Subscribe</button></form>'
            f'<p class="muted">We send a confirmation link first; every email has a one-click '
            f'unsubscribe link.</p></section>')


# --- documents ---------------------------------------------------------------------------------

def render_page(view: dict) -> str:
    """The whole status page."""
    status = view["status"]
    description = f'<p>{escape(view["description"])}</p>' if view.get("description") else ""
    main = "".join([
        f'<section class="overall overall-{escape(status)}" aria-live="polite">'
        f'<h2>{escape(OVERALL_TEXT.get(status, status))}</h2></section>',
        _incidents("Active incidents", "active-title", view.get("activeIncidents", []), None),
        _maintenance(view.get("maintenance", [])),
        _components(view),
        _incidents("Incident history", "history-title",
                   [i for i in view.get("incidents", []) if i["status"] == "Resolved"],
                   "No past incidents in the last 90 days."),
        _subscribe(view["slug"]),
    ])
    return _document(status_title(view["name"]),
                     f'<header class="top"><h1>{escape(view["name"])}</h1>{description}</header>'
                     f'<main>{main}</main><footer class="muted"><p>Updated '
                     f'{_time(view.get("updatedAt"))} · Powered by Enori</p></footer>')


def render_message(title: str, message: str, back_href: str | None = None) -> str:
    """A small page for the subscription steps ("Check your inbox", "Subscription confirmed")."""
    back = f'<p><a href="{escape(back_href)}">Back to the status page</a></p>' if back_href else ""
    return _document(title, f'<main class="message"><h1>{escape(title)}</h1>'
                            f'<p>{escape(message)}</p>{back}</main>')


def _document(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="referrer" content="no-referrer">'
            # An empty icon: browsers would otherwise ask for /favicon.ico (a 404 each visit).
            f'<link rel="icon" href="data:,">'
            f'<title>{escape(title)}</title><style>{_css()}</style></head>'
            f'<body>{body}</body></html>')


def _css() -> str:
    colour = {name: f"color:{fg};background:{bg}" for name, (fg, bg) in TEXT_COLOURS.items()}
    bands = "".join(f".band-{name}{{background:{fill}}}" for _, name, fill in BANDS)
    return (
        "*{box-sizing:border-box}"
        f"body{{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
        f"{colour['body']}}}"
        "header.top,main,footer{max-width:860px;margin:0 auto;padding:0 16px}"
        "header.top{padding-top:24px}h1{font-size:1.8rem;margin:0 0 4px}"
        "h2{font-size:1.25rem;margin:32px 0 12px}h3{font-size:1.05rem;margin:16px 0 8px}"
        ".component-name{font-size:1rem;margin:0}"
        f".muted{{{colour['muted']}}}"
        ".overall{border-radius:8px;padding:16px 20px;margin-top:16px}.overall h2{margin:0}"
        + "".join(f".{name}{{{colour[name]}}}" for name in TEXT_COLOURS if name.startswith(
            ("overall-", "status-")))
        + "ul{list-style:none;margin:0;padding:0}"
        ".component{padding:12px 0;border-bottom:1px solid #d0d7de}"
        ".component-head{display:flex;justify-content:space-between;gap:8px;flex-wrap:wrap}"
        ".status{font-weight:600}"
        ".bars{display:flex;gap:2px;margin-top:8px;height:34px}"
        ".bars li{flex:1 1 0;min-width:0;display:flex}"
        ".bar{flex:1;border-radius:2px;position:relative;outline-offset:2px}"
        ".bar:focus{outline:2px solid #0969da}"
        f".bar:hover::after,.bar:focus::after{{content:attr(data-tip);position:absolute;"
        f"bottom:40px;left:50%;transform:translateX(-50%);white-space:nowrap;padding:4px 8px;"
        f"border-radius:4px;font-size:.8rem;z-index:1;{colour['tooltip']}}}"
        + bands + f".band-{NO_DATA[0]}{{background:{NO_DATA[1]}}}"
        ".legend{display:flex;justify-content:space-between;font-size:.8rem;margin:4px 0 0}"
        ".incident{padding:8px 0;border-bottom:1px solid #d0d7de}"
        ".pill{font-size:.8rem;font-weight:600;border:1px solid #d0d7de;border-radius:999px;"
        "padding:0 8px}"
        ".updates{padding-left:20px}.updates li{margin:4px 0}"
        "form{display:flex;flex-wrap:wrap;gap:8px;align-items:center}"
        "input[type=email]{flex:1 1 220px;padding:8px;font:inherit;border:1px solid #57606a;"
        "border-radius:6px}"
        f"button{{padding:8px 16px;font:inherit;border:0;border-radius:6px;cursor:pointer;"
        f"{colour['button']}}}"
        "label{width:100%;font-weight:600}"
        "footer{margin:32px auto;font-size:.85rem}"
        ".message{padding-top:48px}"
    )
