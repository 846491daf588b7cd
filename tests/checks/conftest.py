"""Fixtures the check tests share."""
import pytest


@pytest.fixture
def checks_answer(monkeypatch):
    """Every check answers what the test puts in `["result"]` (UP at first), without the
    network: the runner's `check_monitor` is replaced."""
    from chalicelib.checks import runner
    from chalicelib.checks.checkers.base import CheckResult

    answer = {"result": CheckResult(ok=True, status_code=200, response_time_ms=80)}

    async def fixed(config, deps):
        return answer["result"]

    monkeypatch.setattr(runner, "check_monitor", fixed)
    return answer
