"""Dashboard sign-in links and sessions (chalicelib/web/sessions.py), one table, expiring by TTL.

Access patterns (table `web-sessions`, one item kind per key prefix):
- issue a link / open a session: PutItem on condition the key does not exist
- redeem a link: GetItem, then DeleteItem on condition it still exists (one use, even in a race)
- read the session of a request: GetItem(`session#<digest>`), consistent
- sign out: DeleteItem
- sign out everywhere (or a member removed or given another role): Query the `by_person` index
  (`<account>#<email>`, sessions and links), then DeleteItem each
TTL (`expires_at`) removes both kinds eventually; reads also refuse an expired item, since TTL
deletion can lag by hours.
"""
from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import index_meta, table_meta


class ByPersonIndex(GlobalSecondaryIndex):
    Meta = index_meta("by_person")
    person = UnicodeAttribute(hash_key=True)


class WebSessionItem(Model):
    Meta = table_meta("web-sessions")
    by_person = ByPersonIndex()

    key = UnicodeAttribute(hash_key=True)         # "link#<digest>" or "session#<digest>"
    account_id = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    csrf = UnicodeAttribute(null=True)            # sessions only
    person = UnicodeAttribute(null=True)          # "<account_id>#<email>" (null on old links)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
