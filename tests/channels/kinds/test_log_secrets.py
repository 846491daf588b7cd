"""E14: no secret from a URL reaches a log line. httpx and httpcore logged every request's full
URL at INFO (chat webhook tokens, credentials in a monitored URL's query string); every line
that does show a URL shows it through `observability.redact_url`."""
import asyncio
import io
import logging
from types import SimpleNamespace

import pytest

from chalicelib.kernel import observability
from chalicelib.channels.kinds import slack, webhook
from chalicelib.checks.family import CheckDeps, run_check
from chalicelib.kernel.netguard import OutboundGuard, make_http_client
from chalicelib.kernel.netguard_aio import make_web_client

QUERY_SECRET = "qs3cr3tQUERYvalue"
PATH_TOKEN = "Tk9pAthT0kenXyZ12345678"


@pytest.fixture
def log_output():
    """One handler on the root logger at INFO (and on "enori" when an earlier test made it stop
    propagating), then logging set up as app.py sets it up; the text that handler wrote."""
    root, app_log, stream = logging.getLogger(), logging.getLogger("enori"), io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(observability.PLAIN_FORMAT))
    saved = (root.level, app_log.level, list(app_log.handlers),
             {name: logging.getLogger(name).level for name in observability.THIRD_PARTY_LOGGERS})
    root.addHandler(handler)
    if not app_log.propagate:
        app_log.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in observability.THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    observability.configure_logging(app_log, level="INFO")
    yield stream
    root.removeHandler(handler)
    root.setLevel(saved[0])
    app_log.setLevel(saved[1])
    app_log.handlers[:] = saved[2]
    for name, level in saved[3].items():
        logging.getLogger(name).setLevel(level)


def test_a_check_and_a_delivery_log_no_secret(log_output, receiver, run_sender, events):
    async def check():
        guard = OutboundGuard(allow_private=True)
        async with make_http_client(guard, 2) as client, make_web_client(guard, 2) as web_client:
            monitor = SimpleNamespace(type="Website", url=f"{receiver.url}/health?apikey={QUERY_SECRET}",
                                      timeout_seconds=5, http_method="GET", follow_redirects=True)
            return await run_check(monitor, CheckDeps(guard=guard, http_client=client,
                                                      web_client=web_client))
    assert asyncio.run(check()).status_code == 501        # the receiver answers POSTs only
    run_sender(webhook.send, {"webhook_url": f"{receiver.url}/hook/{PATH_TOKEN}?token={QUERY_SECRET}"},
               events["monitor.down"])
    run_sender(slack.send, {"webhook_url": f"{receiver.url}/services/T1/B1/{PATH_TOKEN}"},
               events["monitor.down"])
    assert len(receiver.requests) == 2                  # both deliveries really went out
    logging.getLogger("enori.delivery").warning("delivery to %s failed",
                                                f"{receiver.url}/hook/{PATH_TOKEN}?token={QUERY_SECRET}")
    text = log_output.getvalue()
    assert "/hook/…?token=…" in text                   # our line, with the URL redacted
    assert QUERY_SECRET not in text and PATH_TOKEN not in text, text


def test_a_traceback_shows_urls_redacted(log_output):
    try:
        raise RuntimeError(f"could not reach https://hooks.slack.com/services/T1/B1/{PATH_TOKEN}")
    except RuntimeError:
        logging.getLogger("enori.delivery").exception("sender Slack crashed")
    text = log_output.getvalue()
    assert "RuntimeError: could not reach https://hooks.slack.com/services/T1/B1/…" in text
    assert PATH_TOKEN not in text


@pytest.mark.parametrize("url, shown", [
    ("https://api.example.com/health?apikey=abc&debug", "https://api.example.com/health?apikey=…&…"),
    ("https://hooks.slack.com/services/T0123/B0123/AbCdEfGhIjKlMnOpQrStUvWx",
     "https://hooks.slack.com/services/T0123/B0123/…"),
    ("https://discord.com/api/webhooks/123456789012345678/abcDEF-ghi",
     "https://discord.com/api/webhooks/…/abcDEF-ghi"),
    ("https://user:pass@example.com/a#frag", "https://…@example.com/a#…"),
    ("/ping/short-token/start?msg=hello", "/ping/…/start?msg=…"),
    ("/api/public/subscriptions/abc/confirm", "/api/public/subscriptions/…/confirm"),
    ("/api/monitors/mon_abcdefgh12345678/maintenance-windows",
     "/api/monitors/mon_abcdefgh12345678/maintenance-windows"),
    ("http://[::1", "…"),
])
def test_redact_url(url, shown):
    assert observability.redact_url(url) == shown


def test_redact_urls_finds_urls_and_request_paths_in_text():
    line = '127.0.0.1 "GET /ping/abc?msg=x HTTP/1.1" 200 - then https://e.com/?k=v, 10/20'
    assert observability.redact_urls(line) == \
        '127.0.0.1 "GET /ping/…?msg=… HTTP/1.1" 200 - then https://e.com/?k=…, 10/20'
