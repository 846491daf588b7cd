"""What a ping says: its message and its verdict (pure parts of chalicelib.heartbeats.service)."""
import pytest

from chalicelib.heartbeats.service import MAX_BODY_BYTES, TRUNCATED, message_of, verdict


@pytest.mark.parametrize("body, msg, expected", [
    (None, None, None),
    (b"", "", None),
    (b"rows: 42", None, "rows: 42"),
    (None, "nightly ok", "nightly ok"),
    (b"rows: 42", "nightly ok", "nightly ok\nrows: 42"),
    (b"caf\xc3\xa9 \xff", None, "café \ufffd"),
])
def test_it_keeps_the_body_and_msg_as_the_message(body, msg, expected):
    assert message_of(body, msg) == expected


def test_it_truncates_a_long_body_and_marks_it():
    message = message_of(b"x" * (MAX_BODY_BYTES + 500), None)
    assert message == "x" * MAX_BODY_BYTES + TRUNCATED


def test_it_never_cuts_a_character_in_half():
    message = message_of("é".encode() * MAX_BODY_BYTES, None)
    assert message.endswith("é" + TRUNCATED)
    assert len(message.removesuffix(TRUNCATED).encode()) <= MAX_BODY_BYTES


@pytest.mark.parametrize("kind, runtime_ms, config, expected", [
    ("Success", None, {}, (True, None)),
    ("Success", 3000, {"min_runtime_seconds": 2, "max_runtime_seconds": 4}, (True, None)),
    ("Success", 1200, {"min_runtime_seconds": 5},
     (False, "job finished in 1.2 s, faster than the minimum 5 s")),
    ("Success", 9000, {"max_runtime_seconds": 5},
     (False, "job finished in 9 s, slower than the maximum 5 s")),
    ("Success", None, {"min_runtime_seconds": 5}, (True, None)),   # no start: nothing to time
    ("Fail", None, {}, (False, "job reported failure")),
])
def test_it_judges_a_finished_run(kind, runtime_ms, config, expected):
    assert verdict(kind, runtime_ms, config, None) == expected


def test_a_fail_quotes_its_message():
    assert verdict("Fail", None, {}, "disk full") == (False, "job reported failure: disk full")
