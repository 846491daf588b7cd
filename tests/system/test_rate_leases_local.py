"""Read limits on the real local stack with two API worker processes (E20): each process admits
reads from its own lease of the key's shared counter, and together they answer exactly the spec's
200 reads a minute, the rest 429 with Retry-After."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import create

READS_PER_MINUTE = 200
SENT = 400        # a long tail past the limit: each process spends the hits it still holds


def new_key(stack) -> str:
    return create(stack, "/api/keys", {"name": "reader", "scopes": ["monitors:read"]})["key"]


def burst(stack, key) -> list[tuple[int, dict]] | None:
    """SENT parallel reads with a fresh key; None if they straddled two minutes (the window)."""
    def read(_):
        status, headers, _ = stack.raw_request("GET", "/api/monitors", key=key)
        return status, headers

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(read, range(SENT)))
    windows = {headers["X-RateLimit-Reset"] for _, headers in answers}
    return answers if len(windows) == 1 else None


def test_two_api_processes_answer_exactly_the_read_limit_in_a_window(two_workers):
    answers = burst(two_workers, new_key(two_workers)) or \
        burst(two_workers, new_key(two_workers))    # a minute turned: the next one cannot
    assert answers is not None
    statuses = [status for status, _ in answers]
    assert set(statuses) == {200, 429}
    assert statuses.count(200) == READS_PER_MINUTE
    refused = [headers for status, headers in answers if status == 429]
    assert all(int(h["Retry-After"]) >= 1 and h["X-RateLimit-Remaining"] == "0" for h in refused)
