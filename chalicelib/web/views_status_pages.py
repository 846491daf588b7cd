"""Dashboard pages for one status page: its settings and components (add, remove, reorder, name),
a link to the public page, and delete. Data only through the API's handlers; the list and the
create form are /status-pages (views_more).

Without JavaScript, a component's place is a number the person types: the rows are saved in
the order of those numbers, monitors ticked under "Add" come last."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.http.endpoint import MAX_LIMIT
from chalicelib.kernel.errors import ValidationError
from chalicelib.monitors import routes as monitors_api
from chalicelib.status_pages import routes as status_pages_api
from chalicelib.web import forms
from chalicelib.web.pages import Web, confirmed_delete, page

bp = Blueprint(__name__)

PAGE_FORM = dict(texts=("name", "slug", "description", "customDomain"),
                 flags=("showUptimeBars", "showResponseTimes", "showMonitorUrls"))
COMPONENT_FORM = dict(texts=("monitorId", "displayName", "group"), flags=("remove",))


def component_rows(web: Web) -> list[dict]:
    """The components' rows as the form sent them, in the form's order."""
    rows = []
    for row in forms.rows_from(web.form, "components"):
        rows.append({**forms.body_from(row, **COMPONENT_FORM),
                     "position": (row.get("position") or [""])[-1].strip()})
    return rows


def ordered_components(rows: list[dict], added: list[str]) -> list[dict]:
    """The API's `components`: the rows kept, by the place typed (ties and empty places keep the
    form's order), then the monitors added. A place that is not a whole number is a 400 on it."""
    placed = []
    for index, row in enumerate(rows):
        if row.get("remove"):
            continue
        place = row["position"] or str(index + 1)
        if not place.lstrip("-").isdigit():
            raise ValidationError.for_field(f"components.{index}.position",
                                            "must be a whole number")
        placed.append((int(place), index, {k: row[k] for k in ("monitorId", "displayName",
                                                                 "group") if k in row}))
    kept = [component for _, _, component in sorted(placed, key=lambda p: p[:2])]
    listed = {c.get("monitorId") for c in kept}
    return kept + [{"monitorId": m} for m in added if m not in listed]


@page(bp, "/status-pages/{page_id}", ["GET", "POST"])
def status_page(web: Web, page_id: str):
    item = web.api(status_pages_api.get_status_page, page_id=page_id)
    if web.request.method != "POST":
        return _page(web, item, item, {})
    body = forms.body_from(web.form, **PAGE_FORM)
    rows = component_rows(web)
    try:
        body["components"] = ordered_components(rows, web.fields("addMonitorIds"))
    except ValidationError as exc:   # a place typed wrong: the rows as they were sent
        return _page(web, item, {**body, "components": rows}, forms.errors_of(exc),
                     forms.row_errors(exc, "components"), 400)
    try:
        web.api(status_pages_api.replace_status_page, body=body, page_id=page_id)
    except forms.REFUSALS as exc:    # the API's index is the row's: the rows are the body's
        return _page(web, item, body, forms.errors_of(exc), forms.row_errors(exc, "components"),
                     exc.status)
    return web.redirect(f"/status-pages/{page_id}", notice="saved")


def _page(web: Web, item: dict, values: dict, errors: dict, rows: dict | None = None,
          status: int = 200):
    monitors = web.api(monitors_api.list_monitors, query={"limit": str(MAX_LIMIT)})["items"] \
        if web.can("monitors:read") else []
    listed = {c.get("monitorId") for c in values.get("components") or []}
    return web.render("status_page.html", status=status, section="status-pages", item=item,
                      values=values, errors=errors, row_errors=rows or {},
                      names={m["id"]: m["name"] for m in monitors},
                      addable=[m for m in monitors if m["id"] not in listed])


@page(bp, "/status-pages/{page_id}/delete", ["GET", "POST"], scope="status-pages:write")
def delete_status_page(web: Web, page_id: str):
    item = web.api(status_pages_api.get_status_page, page_id=page_id)
    return confirmed_delete(
        web, lambda: web.api(status_pages_api.delete_status_page, page_id=page_id),
        path=f"/status-pages/{page_id}", name=item["name"], thing="status page",
        message=f"The public page at /status/{item['slug']} goes with it.",
        gone_to="/status-pages", section="status-pages")
