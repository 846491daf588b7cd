"""chalicelib.kernel.observability: EMF metric lines and JSON logs with the request id."""
import json
import logging
from types import SimpleNamespace

import pytest

from chalicelib.kernel import observability


def test_it_writes_one_emf_line_per_call():
    lines = []
    observability.emit_metric("ChecksRun", 3, "Count", {"Region": "UsEast"}, write=lines.append)
    (line,) = lines
    record = json.loads(line)
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"].startswith("Enori/")
    assert directive["Dimensions"] == [["Region"]]
    assert directive["Metrics"] == [{"Name": "ChecksRun", "Unit": "Count"}]
    assert record["ChecksRun"] == 3 and record["Region"] == "UsEast"


@pytest.mark.parametrize("dimension", ["MonitorId", "monitor_id", "AccountId"])
def test_it_refuses_an_unbounded_dimension(dimension):
    with pytest.raises(ValueError):
        observability.emit_metric("ChecksRun", 1, "Count", {dimension: "mon_1"}, write=print)


def test_it_splits_many_samples_into_lines_of_one_hundred():
    lines = []
    observability.emit_values("CheckLatency", list(range(250)), "Milliseconds",
                              {"Region": "EuWest"}, write=lines.append)
    assert [len(json.loads(x)["CheckLatency"]) for x in lines] == [100, 100, 50]


def test_it_logs_json_with_the_request_id_on_lambda():
    observability.bind_request_id(SimpleNamespace(aws_request_id="req-123"))
    formatter = observability.make_formatter({"AWS_LAMBDA_FUNCTION_NAME": "enori-dev-api"})
    record = logging.LogRecord("enori.worker", logging.INFO, __file__, 1, "ran %s", (4,), None)
    entry = json.loads(formatter.format(record))
    assert entry["requestId"] == "req-123" and entry["message"] == "ran 4"
    assert entry["level"] == "INFO" and entry["logger"] == "enori.worker"


def test_it_logs_plain_lines_off_lambda():
    formatter = observability.make_formatter({})
    record = logging.LogRecord("enori.worker", logging.INFO, __file__, 1, "ran %s", (4,), None)
    assert formatter.format(record).endswith("INFO    enori.worker: ran 4")
