"""Log lines of the local stack: one format for every process, request-borne text escaped.

A request line or header may carry CR, LF or terminal escape sequences; written raw, they forge
log lines or repaint the terminal of whoever reads the log. Every control character in a
message becomes a visible escape (\\r, \\x1b); tracebacks keep their line breaks.
"""
from __future__ import annotations

import logging
import os
import re
import sys

from chalicelib.kernel.observability import guard_log_output

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%H:%M:%S"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


class EscapingFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)


def configure_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(EscapingFormatter(LOG_FORMAT, DATE_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    # Quiet libraries and URLs redacted on every line, before anything logs (app.py does it too).
    guard_log_output(handler)


def exit_without_teardown(code: int) -> None:
    """Leave now, the logs flushed: for a process whose work is stopped. Python's own teardown
    of a heap holding the app, botocore's service models and moto took 2-5 s of every stop of
    the local stack on a loaded machine, and tidies nothing another process would see."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
