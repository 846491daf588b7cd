"""Inviting a person into the account: a one-time sign-in link with the role chosen, sent by
email through the same sender as alerts (SMTP locally, where the mail catcher keeps it; SES on
AWS). The link is valid for a week, as an invitation may wait in an inbox."""
from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta

from chalicelib.channels.kinds.base import SendContext
from chalicelib.channels.kinds.email import new_message, send_message
from chalicelib.kernel.errors import ValidationError
from chalicelib.kernel.netguard import OutboundGuard
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.web import forms, sessions

INVITE_LIFETIME = timedelta(days=7)
INVITE_ROLES = ("Admin", "Member", "Viewer")


def invite(account_id: str, email: str, role: str, inviter: str, now: datetime) -> str:
    """Send the invitation; the link (also for the page to show). 400 naming a bad field."""
    address = forms.email_address(email)
    if role not in INVITE_ROLES:
        raise ValidationError.for_field("role", "must be one of " + ", ".join(INVITE_ROLES))
    token = sessions.issue_link(account_id, address, role, now, INVITE_LIFETIME)
    link = f"{settings.public_base_url}/signin/{token}"
    message = new_message("You are invited to Enori")
    message.set_content("\n".join([
        f"{inviter} invited you to their Enori account as {role}.", "",
        f"Sign in (the link works once, for 7 days): {link}", "",
        "If you did not expect this, ignore this email.", "", "-- ", "Sent by Enori"]) + "\n")
    ctx = SendContext(http_client=None, guard=OutboundGuard(), clock=runtime.clock, attempt=1,
                      delivery_id="inv_" + hashlib.sha256(token.encode()).hexdigest()[:24],
                      smtp_url=settings.smtp_url)
    asyncio.run(send_message(message, [address], ctx))
    return link
