"""Email subscriptions to a status page: double opt-in, one-click unsubscribe, notifications.

Decisions, so that readers need not guess:
- One item per (page, address). Subscribing again while unconfirmed sends the confirmation
  again (same link); once confirmed, it sends nothing. The answer is the same 202 either way, so
  the endpoint never tells whether an address is subscribed.
- Tokens: 256 bits, HMAC-SHA256 (server secret) of a random 128-bit nonce stored on the item.
  The table holds only the token's SHA-256 (for lookup) and the nonce, so reading the table alone
  gives no working link; the server derives the token again for each email. One token serves
  both the confirm and the unsubscribe link.
- Rate limits (429 with Retry-After): `PAGE_LIMIT` subscribes per page per minute and
  `ADDRESS_LIMIT` per address per hour (any page), counted with `rate_limits.take_one`.
- Email goes through the alerting email sender (SMTP when `settings.smtp_url`, else SES). A
  failed confirmation email is logged and the answer stays 202 (the visitor can try again).
- Notifications are at most once per (event, subscriber): a marker is taken before sending, so
  an event delivered twice (SNS is at-least-once) mails once, and a failed send is not retried.
- Known weakness of GET links: mail scanners that prefetch links can confirm or unsubscribe.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from email.message import EmailMessage

from chalicelib.channels.kinds.base import DeliveryError, SendContext
from chalicelib.channels.kinds.email import EmailAddress, new_message, send_message
from chalicelib.kernel.errors import NotFoundError, RateLimitedError
from chalicelib.kernel.models import ApiModel
from chalicelib.kernel.netguard import OutboundGuard
from chalicelib.kernel.runtime import runtime
from chalicelib.status_pages.render import status_title
from chalicelib.kernel.settings import settings
from chalicelib.storage import rate_limits
from chalicelib.storage import status_pages as store
from chalicelib.storage.status_pages import StatusPageItem, StatusSubscriberItem

log = logging.getLogger("enori.subscriptions")

PAGE_LIMIT, PAGE_WINDOW = 10, 60
ADDRESS_LIMIT, ADDRESS_WINDOW = 3, 3600


class SubscribeIn(ApiModel):
    email: EmailAddress


# --- tokens ----------------------------------------------------------------------------------

def token_for(nonce: str) -> str:
    digest = hmac.new(settings.api_key_secret.encode(), f"status-subscription|{nonce}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def links(nonce: str) -> tuple[str, str]:
    """(confirm URL, unsubscribe URL) of a subscriber."""
    base = f"{settings.public_base_url}/api/public/subscriptions/{token_for(nonce)}"
    return f"{base}/confirm", f"{base}/unsubscribe"


def page_url(page: StatusPageItem) -> str:
    return f"{settings.public_base_url}/status/{page.slug}"


# --- subscribe, confirm, unsubscribe ---------------------------------------------------------

def subscribe(page: StatusPageItem, email: str, now: datetime) -> None:
    """Record a pending subscription and mail its confirmation link (see the module's rules)."""
    _take(f"subscribe#page#{page.page_id}", PAGE_LIMIT, PAGE_WINDOW, now)
    _take(f"subscribe#address#{hash_token(email)}", ADDRESS_LIMIT, ADDRESS_WINDOW, now)
    nonce = secrets.token_hex(16)
    item = StatusSubscriberItem(page.page_id, email, account_id=page.account_id, nonce=nonce,
                                token_hash=hash_token(token_for(nonce)), confirmed=False,
                                created_at=now)
    if not store.insert_subscriber(item):
        item = store.get_subscriber(page.page_id, email)
        if item is None or item.confirmed:
            return
    send(item, confirmation_email(page, item), f"confirm|{page.page_id}|{email}|{now}")


def _take(bucket: str, limit: int, window: int, now: datetime) -> None:
    start = int(now.timestamp()) // window * window
    reset = start + window
    if rate_limits.take_one(f"{bucket}#{start}", limit,
                            datetime.fromtimestamp(reset + 60).astimezone()) is None:
        retry = max(1, reset - int(now.timestamp()))
        raise RateLimitedError(f"Too many subscription requests; retry in {retry} seconds.",
                               headers={"Retry-After": str(retry)})


def _by_token(token: str) -> StatusSubscriberItem:
    item = store.find_by_token_hash(hash_token(token)) if 20 <= len(token) <= 100 else None
    if item is None:
        raise NotFoundError("This subscription link is not valid (any more).")
    return item


def confirm(token: str, now: datetime) -> StatusPageItem | None:
    """Confirm the subscription of a token (404 if unknown); its page (None if gone)."""
    item = _by_token(token)
    if not item.confirmed:
        item.update(actions=[StatusSubscriberItem.confirmed.set(True),
                             StatusSubscriberItem.confirmed_at.set(now)],
                    condition=StatusSubscriberItem.email.exists())
    return _page_of(item)


def unsubscribe(token: str) -> StatusPageItem | None:
    """Remove the subscription of a token (404 if unknown); its page (None if gone)."""
    item = _by_token(token)
    item.delete()
    return _page_of(item)


def _page_of(item: StatusSubscriberItem) -> StatusPageItem | None:
    return store.get_page(item.account_id, item.page_id)


# --- emails ----------------------------------------------------------------------------------

def _message(subject: str, lines: list[str], unsubscribe_url: str) -> EmailMessage:
    message = new_message(subject)
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    footer = ["", "-- ", f"Unsubscribe: {unsubscribe_url}", "Sent by Enori"]
    message.set_content("\n".join(lines + footer) + "\n")
    return message


def confirmation_email(page: StatusPageItem, item: StatusSubscriberItem) -> EmailMessage:
    confirm_url, unsubscribe_url = links(item.nonce)
    return _message(f"Confirm your subscription to {status_title(page.name)}", [
        f"Someone (hopefully you) asked for email updates from the {page.name} status page:",
        page_url(page), "", f"Confirm your subscription: {confirm_url}", "",
        "If you did not ask for this, ignore this email: nothing is sent until you confirm."],
        unsubscribe_url)


def notification_email(page: StatusPageItem, item: StatusSubscriberItem, incident: dict,
                       update: dict | None) -> EmailMessage:
    """An incident notice from the public incident dict (`status_page_view.public_incident`)."""
    _, unsubscribe_url = links(item.nonce)
    status = (update or {}).get("status") or incident["status"]
    lines = [f"{incident['title']} — {status}", ""]
    if update and update.get("message"):
        lines += [update["message"], ""]
    lines += [f"Current status: {page_url(page)}"]
    return _message(f"[{page.name}] {incident['title']}: {status}", lines, unsubscribe_url)


def send(item: StatusSubscriberItem, message: EmailMessage, identity: str) -> bool:
    """Send one email to one subscriber; False (logged) if the mail server refused it."""
    ctx = SendContext(http_client=None, guard=OutboundGuard(), clock=runtime.clock, attempt=1,
                      delivery_id="sub_" + hashlib.sha256(identity.encode()).hexdigest()[:24])
    try:
        asyncio.run(send_message(message, [item.email], ctx))
    except DeliveryError as exc:
        log.warning("status page email to a subscriber of %s failed: %s", item.page_id, exc)
        return False
    return True


def notify_once(item: StatusSubscriberItem, event_id: str, message: EmailMessage,
                now: datetime) -> bool:
    """Send a notification unless this (event, subscriber) was already handled."""
    marker = f"status-notice#{event_id}#{item.page_id}#{hash_token(item.email)}"
    if rate_limits.take_one(marker, 1, now + timedelta(days=2)) is None:
        return False
    return send(item, message, marker)
