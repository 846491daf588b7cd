"""Status pages and their email subscribers.

Access patterns, status-pages (hash account_id, range page_id):
- get one page of an account: GetItem(account_id, page_id) — another account's id is simply not
  found, which is the tenant wall
- list an account's pages (CRUD list; the pages an incident's monitor is on): Query(account_id)
- find a page by its public slug: GetItem on `uniques` (`global#status-page-slug#<slug>`), whose
  owner is "<account_id>/<page_id>", then GetItem of the page — both consistent, so a page is
  public the moment its create returns
- create / delete: one transaction with the slug claim and the account's `status_pages_count`

Access patterns, status-subscribers (hash page_id, range email):
- subscribe: PutItem on condition that (page, email) does not exist — one item per address
- a token's subscriber: Query on the keys-only index `by_token` (token_hash), then GetItem
- a page's confirmed subscribers (notifications): Query(page_id), filtered on `confirmed`
- unsubscribe: DeleteItem; a page's delete removes its subscribers (Query + batch deletes)
"""
from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage import uniques
from chalicelib.storage.base import get_or_none, oldest_first, save_if, table_meta


class StatusPageItem(Model):
    Meta = table_meta("status-pages")

    account_id = UnicodeAttribute(hash_key=True)
    page_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    # [{"monitor_id", "display_name", "group"}], in the page's order
    components_json = UnicodeAttribute(default="[]")
    show_uptime_bars = BooleanAttribute(default=True)
    show_response_times = BooleanAttribute(default=False)
    show_monitor_urls = BooleanAttribute(default=False)
    custom_domain = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    @property
    def components(self) -> list[dict[str, Any]]:
        return json.loads(self.components_json or "[]")


def slug_key(slug: str) -> str:
    return uniques.unique_key("global", "status-page-slug", slug)


def slug_owner(account_id: str, page_id: str) -> str:
    return f"{account_id}/{page_id}"


def get_page(account_id: str, page_id: str) -> StatusPageItem | None:
    return get_or_none(StatusPageItem, account_id, page_id)


def list_pages(account_id: str) -> list[StatusPageItem]:
    """The account's pages, oldest first."""
    return oldest_first(StatusPageItem, account_id, StatusPageItem.page_id)


def find_by_slug(slug: str) -> StatusPageItem | None:
    """The page holding a slug, whatever its account (public routes only)."""
    owner = uniques.owner_of(slug_key(slug))
    if owner is None or "/" not in owner:
        return None
    account_id, page_id = owner.split("/", 1)
    return get_page(account_id, page_id)


class ByTokenIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_token"
        projection = KeysOnlyProjection()

    token_hash = UnicodeAttribute(hash_key=True)


class StatusSubscriberItem(Model):
    """One address subscribed to one page. The token is never stored: only its SHA-256, and a
    random `nonce` from which the server (with its secret) derives it again for each email."""
    Meta = table_meta("status-subscribers")

    page_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(range_key=True)       # lower case
    account_id = UnicodeAttribute()
    nonce = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    confirmed = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    confirmed_at = UTCDateTimeAttribute(null=True)

    by_token = ByTokenIndex()


def insert_subscriber(item: StatusSubscriberItem) -> bool:
    """Store a new subscriber; False (nothing written) if the address is already on the page."""
    return save_if(item, StatusSubscriberItem.email.does_not_exist())


def get_subscriber(page_id: str, email: str) -> StatusSubscriberItem | None:
    return get_or_none(StatusSubscriberItem, page_id, email)


def find_by_token_hash(token_hash: str) -> StatusSubscriberItem | None:
    for key in StatusSubscriberItem.by_token.query(token_hash, limit=1):
        return get_subscriber(key.page_id, key.email)
    return None


def confirmed_subscribers(page_id: str) -> list[StatusSubscriberItem]:
    return list(StatusSubscriberItem.query(
        page_id, filter_condition=StatusSubscriberItem.confirmed == True))  # noqa: E712


def delete_subscribers(page_id: str) -> int:
    deleted = 0
    with StatusSubscriberItem.batch_write() as batch:
        for key in StatusSubscriberItem.query(page_id, attributes_to_get=["page_id", "email"]):
            batch.delete(key)
            deleted += 1
    return deleted
