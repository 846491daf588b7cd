"""Email channel: a plain-text and an HTML part, sent through the operator's SMTP server when
`settings.smtp_url` is set (smtp://[user:pass@]host[:port][?starttls=1]), else through SES.

The SMTP server is the operator's own configuration, not a user's target, so it may live on a
private address (a relay on localhost or the LAN): it is resolved once with a guard that allows
private ranges, and smtplib connects to that address while keeping the host name for STARTTLS.

Failures follow SMTP's own split: a 5xx reply (recipient, sender or message refused) is
permanent, a 4xx reply, a refused connection, a timeout or a dropped connection is transient.
SES: MessageRejected (e.g. an unverified recipient in the sandbox) is permanent, throttling and
the rest transient. A malformed SMTP URL or a blocked SMTP host is permanent.
"""
from __future__ import annotations

import asyncio
import html
import smtplib
import socket
import ssl
import unicodedata
from dataclasses import dataclass
from email import policy as email_policy
from email.header import Header
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, field_validator

from chalicelib.channels.kinds.base import DeliveryError, DeliveryOutcome, SendContext, is_test
from chalicelib.channels.messages import TEST_NOTICE, summarize
from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.fields import EmailAddress
from chalicelib.kernel.netguard import OutboundGuard
from chalicelib.kernel.models import ApiModel
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings

MAX_ADDRESSES = 10
SES_PERMANENT_ERRORS = frozenset({"MessageRejected", "InvalidParameterValue"})
SMTP_DEFAULT_PORT = 25


class EmailChannelConfig(ApiModel):
    addresses: list[EmailAddress] = Field(min_length=1, max_length=MAX_ADDRESSES)

    @field_validator("addresses")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


# --- headers from user text --------------------------------------------------------------------

def header_text(value: str) -> str:
    """A header value as one line: whitespace runs (CR, LF and the Unicode line breaks among
    them) become one space, other control characters go."""
    return "".join(c for c in " ".join(str(value).split()) if unicodedata.category(c) != "Cc")


class _LiteralText(UnstructuredHeader):
    """An unstructured header (Subject, ...) that holds exactly the text it was given.

    Why: the stock header class reads `=?utf-8?q?...?=` in an assigned value as an RFC 2047
    encoded word and writes its decoded bytes out raw, so a monitor, status page or incident
    named `=?utf-8?q?x=0D=0AReply-To:=20evil@example.com=0D=0A=0D=0Abody?=` could add headers
    and replace the body. Here the value is never decoded; text that could pass for an encoded
    word is itself encoded (`email.header.Header`, base64/QP in UTF-8), so a reader decodes it
    once, back to the literal text."""

    max_count = 1

    @classmethod
    def parse(cls, value, kwds):
        text = str(value)
        kwds["decoded"] = text
        # Without "=?" the stock parser finds no encoded word: its tree and folding are safe.
        kwds["parse_tree"] = None if "=?" in text else cls.value_parser(text)

    def fold(self, *, policy):
        if self._parse_tree is not None:
            return super().fold(policy=policy)
        encoded = Header(str(self), "utf-8", header_name=self.name).encode(
            linesep=policy.linesep, maxlinelen=policy.max_line_length or 0)
        return f"{self.name}: {encoded}{policy.linesep}"


def _header_factory() -> HeaderRegistry:
    """The stock classes for structured headers (addresses, dates, MIME), `_LiteralText` for
    every unstructured one."""
    registry = HeaderRegistry(default_class=_LiteralText)
    for name, cls in list(registry.registry.items()):
        if issubclass(cls, UnstructuredHeader):
            registry.map_to_type(name, _LiteralText)
    return registry


class _MailPolicy(email_policy.EmailPolicy):
    """The default policy, with every header value cleaned by `header_text` as it is set (the
    stock policy refuses CR and LF with a ValueError, and lets other controls through)."""

    def header_store_parse(self, name, value):
        return super().header_store_parse(name, header_text(value) if isinstance(value, str)
                                          else value)


MAIL_POLICY = _MailPolicy(header_factory=_header_factory())


def new_message(subject: str) -> EmailMessage:
    """The one way every mail Enori sends starts (alerts, subscriber mail, reports): a message
    whose unstructured headers are literal text, with its Subject set."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject
    message["Auto-Submitted"] = "auto-generated"       # RFC 3834: no out-of-office replies
    return message


# --- rendering ------------------------------------------------------------------------------

def render(event: dict, test: bool = False) -> EmailMessage:
    """Subject and both parts; From, To, Date and Message-ID are added when sending."""
    summary = summarize(event, test=test)
    message = new_message(f"[Enori] {'[TEST] ' if test else ''}{summary.headline}")
    lines = [summary.title, ""]
    if test:
        lines += [TEST_NOTICE, ""]
    lines += [f"{label}: {value}" for label, value in summary.facts()]
    if summary.link:
        lines += ["", f"{summary.link_label}: {summary.link}"]
    lines += ["", "-- ", "Sent by Enori"]
    message.set_content("\n".join(lines) + "\n")
    message.add_alternative(_html(summary, test), subtype="html")
    return message


def _html(summary, test: bool) -> str:
    e = html.escape
    rows = "".join(f'<tr><td style="padding:2px 12px 2px 0;color:#667085">{e(label)}</td>'
                   f"<td>{e(value)}</td></tr>" for label, value in summary.facts())
    notice = f"<p><strong>{e(TEST_NOTICE)}</strong></p>" if test else ""
    link = (f'<p><a href="{e(summary.link)}">{e(summary.link_label)}</a></p>'
            if summary.link else "")
    return (f'<!doctype html><html><body style="font-family:sans-serif">'
            f'<div style="border-left:4px solid {summary.colour};padding:8px 16px;max-width:600px">'
            f'<h2 style="margin:0 0 8px">{e(summary.title)}</h2>{notice}'
            f"<table>{rows}</table>{link}</div>"
            f'<p style="color:#667085;font-size:12px">Sent by Enori</p></body></html>')


# --- sending --------------------------------------------------------------------------------

async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    message = render(event, test=is_test(event, ctx))
    return await send_message(message, list(channel_config["addresses"]), ctx)


async def send_message(message: EmailMessage, addresses: list[str],
                       ctx: SendContext) -> DeliveryOutcome:
    """Send a rendered message (Subject and parts set) to `addresses`, as `send` does an alert:
    also the way monthly reports are mailed."""
    if message.policy is not MAIL_POLICY:       # a stock message would decode encoded words
        raise TypeError("build every mail with new_message()")
    sender = settings.mail_from
    domain = sender.rpartition("@")[2] or "enori.local"
    message["From"] = sender
    message["To"] = ", ".join(addresses)
    message["Date"] = format_datetime(ctx.clock.now())
    # The same id on every retry: mail clients and receivers can fold a duplicate.
    message["Message-ID"] = f"<{ctx.delivery_id}@{domain}>"
    if ctx.smtp_url:
        return await _send_smtp(ctx.smtp_url, message, sender, addresses, domain, ctx)
    return await _send_ses(message, sender, addresses, ctx)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme.lower() != "smtp" or not parts.hostname:
        raise ValueError("the SMTP URL must look like smtp://[user:pass@]host[:port][?starttls=1]")
    starttls = parse_qs(parts.query).get("starttls", [""])[0].lower() in ("1", "true", "yes", "on")
    return SmtpTarget(host=parts.hostname, port=parts.port or SMTP_DEFAULT_PORT,
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None,
                      starttls=starttls)


# Judges only what no host may be (0.0.0.0, multicast); see the module docstring.
OPERATOR_GUARD = OutboundGuard(allow_private=True)

async def _send_smtp(url: str, message: EmailMessage, sender: str, addresses: list[str],
                     domain: str, ctx: SendContext) -> DeliveryOutcome:
    try:
        target = parse_smtp_url(url)
        ips = await asyncio.wait_for(OPERATOR_GUARD.resolve_and_check(target.host), ctx.timeout)
    except SsrfBlockedError as exc:
        raise DeliveryError(f"SMTP server blocked: {exc.message}", permanent=True) from exc
    except ValueError as exc:
        raise DeliveryError(f"invalid SMTP URL: {exc}", permanent=True) from exc
    except (OSError, TimeoutError) as exc:
        raise DeliveryError(f"could not resolve the SMTP server: {exc}") from exc
    try:
        refused = await asyncio.to_thread(_smtp_send, target, ips, message, sender, addresses,
                                          ctx.timeout, domain)
    except (smtplib.SMTPException, OSError) as exc:
        raise smtp_failure(exc) from exc
    accepted = len(addresses) - len(refused)
    excerpt = f"accepted by {target.host}:{target.port} for {accepted} recipient(s)"
    if refused:
        excerpt += "; refused: " + ", ".join(sorted(refused))
    return DeliveryOutcome(status_code=None, response_excerpt=excerpt)


class _PinnedSMTP(smtplib.SMTP):
    """smtplib opens its socket in `_get_socket` (the hook SMTP_SSL and LMTP override too):
    dialling the validated address there keeps `connect(host)`'s name for STARTTLS's SNI and
    certificate check, with no second lookup."""

    def __init__(self, ip: str, **kwargs) -> None:
        self._pinned_ip = ip
        super().__init__(**kwargs)

    def _get_socket(self, host, port, timeout):
        return socket.create_connection((self._pinned_ip, port), timeout, self.source_address)


def _smtp_send(target: SmtpTarget, ips: list[str], message: EmailMessage, sender: str,
               addresses: list[str], timeout: float, local_hostname: str) -> dict:
    """Runs in a worker thread (smtplib blocks); returns the refused recipients."""
    smtp = _connect(target, ips, timeout, local_hostname)
    with smtp:
        if target.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if target.username:
            smtp.login(target.username, target.password or "")
        return smtp.send_message(message, from_addr=sender, to_addrs=addresses)


def _connect(target: SmtpTarget, ips: list[str], timeout: float,
             local_hostname: str) -> smtplib.SMTP:
    last_error: OSError | None = None
    for ip in ips:
        # local_hostname given, so smtplib does not stall on a reverse lookup of this machine.
        smtp = _PinnedSMTP(ip, timeout=timeout, local_hostname=local_hostname)
        try:
            smtp.connect(target.host, target.port)
            return smtp
        except smtplib.SMTPException:
            smtp.close()
            raise
        except OSError as exc:      # refused or unreachable: try the next validated address
            smtp.close()
            last_error = exc
    assert last_error is not None
    raise last_error


def smtp_failure(exc: Exception) -> DeliveryError:
    """5xx replies are permanent, everything else transient (RFC 5321's own split)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{address}: {code} {_text(reply)}"
                           for address, (code, reply) in exc.recipients.items())
        return DeliveryError(f"SMTP refused every recipient ({detail})",
                             permanent=bool(codes) and all(code >= 500 for code in codes),
                             status_code=max(codes, default=None))
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                             permanent=exc.smtp_code >= 500, status_code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"SMTP server: {exc}", permanent=True)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return DeliveryError("SMTP server timed out")
    return DeliveryError(f"SMTP connection failed: {exc or type(exc).__name__}")


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)


async def _send_ses(message: EmailMessage, sender: str, addresses: list[str],
                    ctx: SendContext) -> DeliveryOutcome:
    from botocore.exceptions import BotoCoreError, ClientError  # boto is slow to import

    client = ctx.ses_client or runtime.client("ses")
    try:
        answer = await asyncio.to_thread(
            client.send_raw_email, Source=sender, Destinations=addresses,
            RawMessage={"Data": message.as_bytes()})
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise DeliveryError(f"SES {code}: {error.get('Message', exc)}",
                            permanent=code in SES_PERMANENT_ERRORS, status_code=status) from exc
    except BotoCoreError as exc:
        raise DeliveryError(f"SES unreachable: {exc}") from exc
    return DeliveryOutcome(status_code=None,
                           response_excerpt=f"SES MessageId {answer['MessageId']}")
