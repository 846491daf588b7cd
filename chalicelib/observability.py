"""Logs and metrics: JSON log lines carrying the Lambda request id, and CloudWatch Embedded
Metric Format (EMF) metrics — one JSON line on stdout that CloudWatch turns into metrics, with no
API call and no extra dependency.

On Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set) logs are JSON and metrics are EMF lines; elsewhere
(the local stack, tests) the same records print as plain readable lines and metrics are logged at
DEBUG. Dimensions are few and bounded (each distinct value is a billed metric): a monitor or an
account id is never one — `emit_metric` refuses any dimension not in `ALLOWED_DIMENSIONS`.
"""
from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time
from typing import Any, Callable

NAMESPACE = "Enori"          # + "/<stage>": two stages in one account keep apart
ALLOWED_DIMENSIONS = frozenset({"Region", "Status", "Channel"})
MAX_VALUES_PER_METRIC = 100   # EMF's limit on the values of one metric in one line

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("enori_request_id", default="")
log = logging.getLogger("enori.metrics")


def namespace() -> str:
    from chalicelib.settings import settings

    return f"{NAMESPACE}/{settings.stage}"


def is_on_lambda(env=os.environ) -> bool:
    return bool(env.get("AWS_LAMBDA_FUNCTION_NAME"))


# ---- logs -----------------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the request id of the invocation being served."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": _request_id.get() or getattr(record, "aws_request_id", ""),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


JsonFormatter.converter = time.gmtime
PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def make_formatter(env=os.environ) -> logging.Formatter:
    return JsonFormatter() if is_on_lambda(env) else logging.Formatter(PLAIN_FORMAT)


def configure_logging(logger: logging.Logger, level: str | None = None, env=os.environ) -> None:
    """Give `logger` (Chalice's app logger, "enori") the formatter of this environment and the
    level of `ENORI_LOG_LEVEL` (default INFO). Chalice sets it to ERROR unless in debug mode."""
    logger.setLevel((level or env.get("ENORI_LOG_LEVEL") or "INFO").upper())
    formatter = make_formatter(env)
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler(sys.stdout))
    for handler in logger.handlers:
        handler.setFormatter(formatter)


def bind_request_id(context: Any) -> None:
    """Remember the Lambda request id of the invocation in progress (for every log line)."""
    _request_id.set(getattr(context, "aws_request_id", "") or "")


def request_id_middleware(event, get_response):
    """Chalice middleware (every handler type): bind the request id, then run the handler."""
    bind_request_id(getattr(event, "lambda_context", None) or getattr(event, "context", None))
    return get_response(event)


# ---- metrics --------------------------------------------------------------------------------

def emf_record(metrics: dict[str, tuple[Any, str]], dimensions: dict[str, str] | None = None,
               now_ms: int | None = None) -> dict:
    """The EMF document for `metrics` ({name: (value or list of values, unit)})."""
    dims = {key: str(value) for key, value in (dimensions or {}).items()}
    refused = set(dims) - ALLOWED_DIMENSIONS
    if refused:
        raise ValueError(f"metric dimensions {sorted(refused)} are not allowed "
                         f"(allowed: {sorted(ALLOWED_DIMENSIONS)})")
    record: dict[str, Any] = {
        "_aws": {
            "Timestamp": now_ms if now_ms is not None else int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": namespace(),
                "Dimensions": [sorted(dims)],
                "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in metrics.items()],
            }],
        },
        **dims,
    }
    for name, (value, _) in metrics.items():
        record[name] = list(value)[:MAX_VALUES_PER_METRIC] if isinstance(value, (list, tuple)) \
            else value
    return record


def emit_metrics(metrics: dict[str, tuple[Any, str]], dimensions: dict[str, str] | None = None,
                 write: Callable[[str], Any] | None = None) -> dict:
    """Emit several metrics sharing dimensions as one EMF line (stdout on Lambda)."""
    record = emf_record(metrics, dimensions)
    if write is not None:
        write(json.dumps(record))
    elif is_on_lambda():
        print(json.dumps(record), flush=True)
    elif log.isEnabledFor(logging.DEBUG):
        shown = " ".join(f"{n}={v}" for n, (v, _) in metrics.items())
        log.debug("metric %s %s", shown, dimensions or {})
    return record


def emit_metric(name: str, value: Any, unit: str = "Count",
                dimensions: dict[str, str] | None = None,
                write: Callable[[str], Any] | None = None) -> dict:
    """Emit one metric: `emit_metric("ChecksRun", 12, "Count", {"Region": "UsEast"})`."""
    return emit_metrics({name: (value, unit)}, dimensions, write)


def emit_values(name: str, values: list[float], unit: str, dimensions: dict[str, str] | None = None,
                write: Callable[[str], Any] | None = None) -> None:
    """Many samples of one metric (latencies, for percentiles), in lines of at most 100."""
    for start in range(0, len(values), MAX_VALUES_PER_METRIC):
        emit_metrics({name: (values[start:start + MAX_VALUES_PER_METRIC], unit)}, dimensions, write)
