"""Status page lifecycle: create (within the plan's limit, with a globally unique slug), replace,
delete, and the private wire shape.

Decisions, so that readers need not guess:
- PUT is a full replace, like monitors and channels: omitted options go back to their defaults.
- The slug is claimed in `uniques` in the same transaction as the page (and the plan counter),
  so two accounts racing for one slug get one 201 and one 409 CONFLICT. A PUT that changes it
  releases the old claim and takes the new one in one transaction.
- Every component's monitor must be the caller's (400 INVALID_REFERENCE on
  `components.N.monitorId`). A monitor deleted later stays in the stored list and is left out of
  the public page (`status_page_view`), so a delete never has to rewrite pages.
- Deleting a page frees its plan slot and its slug, then removes its subscribers.
"""
from __future__ import annotations

import json
from datetime import datetime


from chalicelib.status_pages import view as status_page_view
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import ConflictError, InvalidReferenceError, NotFoundError
from chalicelib.kernel.ids import new_id
from chalicelib.status_pages.models import StatusPageIn
from chalicelib.accounts.plan_slots import create_in_slot, delete_from_slot
from chalicelib.kernel.settings import settings
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import status_pages as store
from chalicelib.storage import uniques
from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.status_pages import StatusPageItem
from chalicelib.storage.transactions import TransactionFailed, failed_conditions, transaction


def require_page(account_id: str, page_id: str) -> StatusPageItem:
    item = store.get_page(account_id, page_id)
    if item is None:
        raise NotFoundError(f"Status page {page_id} not found.")
    return item


def check_components(account_id: str, body: StatusPageIn) -> None:
    """Every component's monitor must exist in the account (else 400 naming the component)."""
    for index, component in enumerate(body.components):
        if monitor_store.get_monitor(account_id, component.monitor_id) is None:
            raise InvalidReferenceError.for_field(
                f"components.{index}.monitorId",
                f"monitor {component.monitor_id} does not exist")


def _apply(item: StatusPageItem, body: StatusPageIn, now: datetime) -> None:
    item.name = body.name
    item.slug = body.slug
    item.description = body.description
    item.components_json = json.dumps([
        {"monitor_id": c.monitor_id, "display_name": c.display_name, "group": c.group}
        for c in body.components])
    item.show_uptime_bars = body.show_uptime_bars
    item.show_response_times = body.show_response_times
    item.show_monitor_urls = body.show_monitor_urls
    item.custom_domain = body.custom_domain
    item.updated_at = now


def _slug_taken(slug: str) -> ConflictError:
    return ConflictError(f"The slug '{slug}' is already taken; choose another.",
                         details=[{"field": "slug", "message": "already taken"}])


def create_page(account: AccountItem, body: StatusPageIn, now: datetime) -> StatusPageItem:
    """Store a new page, claim its slug and take one plan slot, in one transaction."""
    check_components(account.account_id, body)
    item = StatusPageItem(account.account_id, new_id("sp"), created_at=now)
    _apply(item, body, now)
    def write(tx) -> None:
        tx.save(item, condition=StatusPageItem.page_id.does_not_exist())
        uniques.claim(tx, store.slug_key(body.slug),
                      store.slug_owner(account.account_id, item.page_id))

    def slug_taken(failed: list[bool]) -> None:  # flags: [page, slug claim, account counter]
        if any(failed[1:2]):
            raise _slug_taken(body.slug)

    create_in_slot(account, "status_pages", write, slug_taken)
    _changed(item.slug)
    return item


def replace_page(account_id: str, page_id: str, body: StatusPageIn,
                 now: datetime) -> StatusPageItem:
    """Full replace of an existing page (404 if it is not the account's)."""
    item = require_page(account_id, page_id)
    check_components(account_id, body)
    old_slug = item.slug
    _apply(item, body, now)
    owner = store.slug_owner(account_id, page_id)
    try:
        with transaction() as tx:
            if body.slug != old_slug:
                uniques.release(tx, store.slug_key(old_slug), owner)
                uniques.claim(tx, store.slug_key(body.slug), owner)
            tx.save(item, condition=StatusPageItem.page_id.exists())
    except TransactionFailed as exc:
        # Deletes, then puts: [old slug release, new slug claim, page] when the slug changes.
        if store.get_page(account_id, page_id) is None:
            raise NotFoundError(f"Status page {page_id} not found.")
        if body.slug != old_slug and any(failed_conditions(exc)[1:2]):
            raise _slug_taken(body.slug)
        raise
    _changed(old_slug, item.slug)
    return item


def delete_page(account_id: str, page_id: str) -> None:
    """Delete a page, free its plan slot and slug, and remove its subscribers."""
    item = require_page(account_id, page_id)
    def write(tx) -> None:
        tx.delete(item, condition=StatusPageItem.page_id.exists())
        uniques.release(tx, store.slug_key(item.slug), store.slug_owner(account_id, page_id))

    delete_from_slot(account_id, "status_pages", write, f"Status page {page_id} not found.")
    store.delete_subscribers(page_id)
    _changed(item.slug)


def list_pages(account_id: str) -> list[StatusPageItem]:
    return store.list_pages(account_id)


def _changed(*slugs: str) -> None:
    """A page changed or went: this process's public view cache never serves a page its own
    writes made stale."""
    for slug in slugs:
        status_page_view.forget(slug)


def page_json(item: StatusPageItem) -> dict:
    """The page as the private API shows it."""
    return {
        "id": item.page_id,
        "name": item.name,
        "slug": item.slug,
        "description": item.description,
        "components": [{"monitorId": c["monitor_id"], "displayName": c.get("display_name"),
                        "group": c.get("group")} for c in item.components],
        "showUptimeBars": bool(item.show_uptime_bars),
        "showResponseTimes": bool(item.show_response_times),
        "showMonitorUrls": bool(item.show_monitor_urls),
        "customDomain": item.custom_domain,
        "publicUrl": f"{settings.public_base_url}/status/{item.slug}",
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
    }
