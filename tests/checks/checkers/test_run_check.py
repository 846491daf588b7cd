import asyncio
from types import SimpleNamespace

import pytest

from chalicelib.checks import family as checkers
from chalicelib.checks.family import CheckResult


@pytest.fixture
def fake_checkers(monkeypatch):
    async def hangs(monitor, deps):
        await asyncio.sleep(3600)

    async def crashes(monitor, deps):
        raise KeyError("boom")

    async def works(monitor, deps):
        return CheckResult(ok=True, response_time_ms=1)
    monkeypatch.setitem(checkers.CHECKERS, "Hangs", hangs)
    monkeypatch.setitem(checkers.CHECKERS, "Crashes", crashes)
    monkeypatch.setitem(checkers.CHECKERS, "Works", works)


def run(kind, timeout=0.1):
    return asyncio.run(checkers.run_check(SimpleNamespace(type=kind, timeout_seconds=timeout), deps=None))


@pytest.mark.parametrize("kind, ok, error, error_code", [
    ("Works", True, None, None),
    ("Hangs", False, "timed out after 0.1 s", "TIMEOUT"),
    ("Crashes", False, "check failed unexpectedly: KeyError: 'boom'", "CHECK_ERROR"),
    ("Telepathy", False, "unknown monitor type 'Telepathy'", "UNKNOWN_TYPE"),
])
def test_it_never_raises_for_a_target(fake_checkers, kind, ok, error, error_code):
    result = run(kind)
    assert (result.ok, result.error, result.error_code) == (ok, error, error_code)


def test_it_registers_one_checker_per_monitor_type():
    assert set(checkers.CHECKERS) == {"Website", "Port", "Ping", "Dns", "Domain"}
