"""Monitor models: bounds, per-type rules, canonical enums, wire names and error details."""
import pydantic
import pytest
from pydantic import TypeAdapter

from chalicelib.kernel.models import validation_details
from chalicelib.monitors.models import (
    DnsMonitorIn,
    JobMonitorIn,
    MonitorIn,
    PortMonitorIn,
    WebsiteMonitorIn,
    monitor_defaults_dump,
    parse_monitor,
)

BASES = {
    "Website": {"name": "API", "type": "Website", "url": "https://api.example.com"},
    "Ping": {"name": "Gateway", "type": "Ping", "url": "gw.example.com"},
    "Port": {"name": "Postgres", "type": "Port", "url": "db.example.com", "port": 5432},
    "Dns": {"name": "Apex A", "type": "Dns", "url": "example.com"},
    "Domain": {"name": "Domain", "type": "Domain", "url": "example.com"},
    "Job": {"name": "Backup", "type": "Job", "cronExpression": "0 2 * * *"},
}


def body(kind="Website", **fields):
    return {**BASES[kind], **fields}


def errors_of(data):
    with pytest.raises(pydantic.ValidationError) as caught:
        parse_monitor(data)
    return validation_details(caught.value)


def fields_in_error(data):
    return [detail["field"] for detail in errors_of(data)]


def accepts(data):
    try:
        parse_monitor(data)
    except pydantic.ValidationError:
        return False
    return True


# --- common bounds, for every type ------------------------------------------------------------

COMMON_BOUNDS = [
    ("name", "", False), ("name", "a", True), ("name", "a" * 100, True), ("name", "a" * 101, False),
    ("name", "   ", False),
    ("intervalSeconds", 29, False), ("intervalSeconds", 30, True),
    ("intervalSeconds", 90, True), ("intervalSeconds", 86400, True),
    ("intervalSeconds", 31_104_000, True), ("intervalSeconds", 31_104_030, False),
    ("timeoutSeconds", 0, False), ("timeoutSeconds", 1, True),
    ("timeoutSeconds", 300, True), ("timeoutSeconds", 301, False),
    ("failureThreshold", -1, False), ("failureThreshold", 0, True), ("failureThreshold", 1, True),
    ("failureThreshold", 10, True), ("failureThreshold", 11, False),
    ("recoveryThreshold", 0, False), ("recoveryThreshold", 1, True),
    ("recoveryThreshold", 10, True), ("recoveryThreshold", 11, False),
    ("groupName", "g" * 100, True), ("groupName", "g" * 101, False),
    ("description", "d" * 1000, True), ("description", "d" * 1001, False),
    ("alertChannelIds", ["ch_abc123"], True), ("alertChannelIds", ["abc123"], False),
    ("alertChannelIds", [f"ch_{i}" for i in range(21)], False),
]


@pytest.mark.parametrize("kind", list(BASES))
@pytest.mark.parametrize("field,value,ok", COMMON_BOUNDS)
def test_it_enforces_common_bounds_for_every_type(kind, field, value, ok):
    # The other of interval/timeout is set so that only the field under test can fail.
    extra = {"timeoutSeconds": 10} if field == "intervalSeconds" else {}
    extra = {"intervalSeconds": 600} if field == "timeoutSeconds" else extra
    data = body(kind, **extra, **{field: value})
    if ok:
        assert accepts(data)
    else:
        assert fields_in_error(data)[0].split(".")[0] == field


def test_it_rejects_an_interval_below_30_seconds():
    assert errors_of(body(intervalSeconds=29)) == [
        {"field": "intervalSeconds", "message": "Input should be greater than or equal to 30"}
    ]


@pytest.mark.parametrize("interval,timeout", [(60, 61), (60, 90), (30, 31)])
def test_it_rejects_a_timeout_above_the_interval(interval, timeout):
    details = errors_of(body(intervalSeconds=interval, timeoutSeconds=timeout))
    assert details == [{"field": "timeoutSeconds",
                        "message": f"must be at most intervalSeconds ({interval})"}]


@pytest.mark.parametrize("interval", [30, 60, 300])
def test_it_accepts_a_timeout_equal_to_the_interval(interval):
    assert parse_monitor(body(intervalSeconds=interval,
                              timeoutSeconds=interval)).timeout_seconds == interval


@pytest.mark.parametrize("interval", [45, 100, 86_401])
def test_it_takes_intervals_in_steps_of_30_seconds(interval):
    assert errors_of(body(intervalSeconds=interval)) == [
        {"field": "intervalSeconds", "message": "must be a multiple of 30 (30, 60, 90, ...)"}]


@pytest.mark.parametrize("number,name", [(10, "Website"), (3, "Ping"), (2, "Port"), (4, "Dns"),
                                         (6, "Domain"), (8, "Job"), ("10", "Website")])
def test_it_takes_the_spec_s_type_numbers_and_answers_with_the_name(number, name):
    data = {**body(name), "type": number}
    assert parse_monitor(data).type == name


def test_an_empty_expected_keyword_clears_it():
    assert parse_monitor(body(expectedKeyword="")).expected_keyword is None


def test_it_defaults_the_timeout_to_half_a_short_interval():
    assert parse_monitor(body(intervalSeconds=30)).timeout_seconds == 15
    assert parse_monitor(body(intervalSeconds=60)).timeout_seconds == 30
    assert parse_monitor(body(intervalSeconds=300)).timeout_seconds == 30


def test_it_does_not_apply_the_interval_rule_to_job_monitors():
    job = parse_monitor(body("Job", intervalSeconds=30, timeoutSeconds=120))
    assert (job.interval_seconds, job.timeout_seconds) == (30, 120)


def test_it_strips_the_name():
    assert parse_monitor(body(name="  API  ")).name == "API"


# --- type, enums and wire names ------------------------------------------------------------------

@pytest.mark.parametrize("sent,canonical", [
    ("website", "Website"), ("WEBSITE", "Website"), ("ping", "Ping"), ("PORT", "Port"),
    ("dns", "Dns"), ("DOMAIN", "Domain"), ("jOb", "Job"),
])
def test_it_accepts_the_type_in_any_case(sent, canonical):
    monitor = parse_monitor(body(canonical, type=sent))
    assert monitor.type == canonical
    assert monitor.model_dump(by_alias=True)["type"] == canonical


def test_the_discriminated_union_also_accepts_any_case():
    monitor = TypeAdapter(MonitorIn).validate_python(body("Port", type="port"))
    assert isinstance(monitor, PortMonitorIn)


ALL_TYPES = "Website, Ping, Port, Dns, Domain, Job"


@pytest.mark.parametrize("data,message", [
    ({"name": "x", "url": "https://a.com"}, f"is required: one of {ALL_TYPES}"),
    ({"name": "x", "type": "Http"}, f"must be one of {ALL_TYPES}"),
    ({"name": "x", "type": 11}, f"must be one of {ALL_TYPES}"),
    ({"name": "x", "type": True}, f"must be one of {ALL_TYPES}"),
])
def test_it_names_the_allowed_types_when_type_is_missing_or_unknown(data, message):
    assert errors_of(data) == [{"field": "type", "message": message}]


def test_it_refuses_a_body_that_is_not_an_object():
    assert errors_of(["a", "list"]) == [{"field": "body", "message": "must be a JSON object"}]


def test_it_dumps_camel_case_keys_by_alias_and_snake_case_for_storage():
    monitor = parse_monitor(body(intervalSeconds=120, alertOnDown=False))
    wire = monitor.model_dump(by_alias=True)
    stored = monitor_defaults_dump(monitor)
    assert wire["intervalSeconds"] == 120 and wire["alertOnDown"] is False
    assert stored["interval_seconds"] == 120 and "intervalSeconds" not in stored


def test_it_accepts_snake_case_names_too():
    assert parse_monitor(body(interval_seconds=120)).interval_seconds == 120


def test_it_applies_defaults_when_fields_are_omitted():
    stored = monitor_defaults_dump(parse_monitor(body()))
    assert {key: stored[key] for key in (
        "interval_seconds", "timeout_seconds", "failure_threshold", "recovery_threshold",
        "alert_on_down", "alert_on_recovered", "alert_channel_ids", "regions", "region_quorum",
        "tags", "http_method", "expected_status_code", "keyword_must_be_absent",
        "follow_redirects", "ssl_expiry_warning_days",
    )} == {
        "interval_seconds": 60, "timeout_seconds": 30, "failure_threshold": 2,
        "recovery_threshold": 1, "alert_on_down": True, "alert_on_recovered": True,
        "alert_channel_ids": [], "regions": ["UsEast"], "region_quorum": None, "tags": [],
        "http_method": "GET", "expected_status_code": 200, "keyword_must_be_absent": False,
        "follow_redirects": True, "ssl_expiry_warning_days": 30,
    }


@pytest.mark.parametrize("kind,defaults", [
    ("Dns", {"record_type": "A", "expected_values": None, "nameserver": None}),
    ("Domain", {"expiry_warning_days": 30}),
    ("Job", {"timezone": "UTC", "grace_period_seconds": 60, "period_seconds": None, "url": None}),
])
def test_it_applies_type_specific_defaults(kind, defaults):
    stored = monitor_defaults_dump(parse_monitor(body(kind)))
    assert {key: stored[key] for key in defaults} == defaults


# --- regions and tags ---------------------------------------------------------------------------

def test_it_canonicalises_regions_given_in_any_case():
    monitor = parse_monitor(body(regions=["useast", "EUWEST", "apNortheast"]))
    assert monitor.regions == ["UsEast", "EuWest", "ApNortheast"]


@pytest.mark.parametrize("regions", [[], ["Mars"], ["UsEast", "useast"]])
def test_it_rejects_empty_unknown_or_duplicate_regions(regions):
    assert fields_in_error(body(regions=regions))[0].startswith("regions")


@pytest.mark.parametrize("quorum,ok", [(0, False), (1, True), (2, True), (3, False)])
def test_it_bounds_the_region_quorum_by_the_number_of_regions(quorum, ok):
    data = body(regions=["UsEast", "EuWest"], regionQuorum=quorum)
    assert accepts(data) is ok


def test_it_removes_duplicate_tags_keeping_order():
    assert parse_monitor(body(tags=["prod", "api", "prod"])).tags == ["prod", "api"]


@pytest.mark.parametrize("tags,field", [
    (["ok", "ok-2", "Prod"], "tags.2"), (["with space"], "tags.0"), ([""], "tags.0"),
    (["t" * 51], "tags.0"), ([f"t{i}" for i in range(21)], "tags"),
])
def test_it_rejects_bad_tags(tags, field):
    assert fields_in_error(body(tags=tags)) == [field]


def test_it_accepts_twenty_tags_of_fifty_characters():
    assert accepts(body(tags=[f"{i:02d}" + "t" * 48 for i in range(20)]))


# --- Website --------------------------------------------------------------------------------------

@pytest.mark.parametrize("field,value,ok", [
    ("expectedStatusCode", 99, False), ("expectedStatusCode", 100, True),
    ("expectedStatusCode", 599, True), ("expectedStatusCode", 600, False),
    ("customUserAgent", "u" * 512, True), ("customUserAgent", "u" * 513, False),
    ("customUserAgent", "ua\r\nX-Evil: 1", False),
    ("expectedKeyword", "k" * 1000, True), ("expectedKeyword", "k" * 1001, False),
    ("sslExpiryWarningDays", -1, False), ("sslExpiryWarningDays", 0, True),
    ("sslExpiryWarningDays", 365, True), ("sslExpiryWarningDays", 366, False),
    ("responseTimeThresholdMs", 0, False), ("responseTimeThresholdMs", 1, True),
    ("responseTimeThresholdMs", 120000, True), ("responseTimeThresholdMs", 120001, False),
    ("httpMethod", "TRACE", False),
])
def test_it_enforces_website_bounds(field, value, ok):
    data = body(**{field: value})
    assert accepts(data) if ok else fields_in_error(data) == [field]


@pytest.mark.parametrize("method", ["get", "Head", "post", "PUT", "patch", "delete", "options"])
def test_it_upper_cases_the_http_method(method):
    assert parse_monitor(body(httpMethod=method)).http_method == method.upper()


@pytest.mark.parametrize("url", [
    "http://example.com", "https://api.example.com:8443/health?x=1", "HTTPS://EXAMPLE.COM",
    "http://192.0.2.10/", "http://[2001:db8::1]:8080/", "https://example.com./",
    "https://example.com/" + "p" * 2000,
])
def test_it_accepts_http_and_https_urls(url):
    assert parse_monitor(body(url=url)).url == url


@pytest.mark.parametrize("url,message", [
    ("ftp://example.com", "must start with http:// or https://"),
    ("javascript:alert(1)", "must start with http:// or https://"),
    ("example.com", "must start with http:// or https://"),
    ("https://", "must include a host"),
    ("https:///path", "must include a host"),
    ("https://user:pass@example.com", "must not contain credentials (user:password@)"),
    ("https://exa mple.com", "must not contain spaces or control characters"),
    ("https://-bad-.com", "has an invalid host name"),
    ("https://example.com:99999", "is not a valid URL"),
])
def test_it_rejects_urls_that_are_not_plain_http(url, message):
    assert errors_of(body(url=url)) == [{"field": "url", "message": message}]


def test_it_rejects_a_url_longer_than_2048_characters():
    assert fields_in_error(body(url="https://example.com/" + "p" * 2029)) == ["url"]


def test_it_rejects_keyword_must_be_absent_without_a_keyword():
    assert errors_of(body(keywordMustBeAbsent=True)) == [
        {"field": "keywordMustBeAbsent", "message": "needs expectedKeyword"}
    ]
    assert accepts(body(keywordMustBeAbsent=True, expectedKeyword="error"))


@pytest.mark.parametrize("method,ok", [("GET", False), ("head", False), ("POST", True),
                                       ("PUT", True)])
def test_it_allows_a_request_body_only_with_methods_that_carry_one(method, ok):
    data = body(httpMethod=method, requestBody='{"a": 1}')
    assert accepts(data) if ok else fields_in_error(data) == ["requestBody"]


def test_it_limits_the_request_body_to_64_kilobytes():
    assert accepts(body(httpMethod="POST", requestBody="b" * 65536))
    assert fields_in_error(body(httpMethod="POST", requestBody="b" * 65537)) == ["requestBody"]


@pytest.mark.parametrize("headers,ok", [
    ({"Authorization": "Bearer x", "X-Trace_Id": "1"}, True),
    ({f"X-H{i}": "v" for i in range(50)}, True),
    ({f"X-H{i}": "v" for i in range(51)}, False),
    ({"Bad Header": "v"}, False),
    ({"X-Ok": "a\r\nInjected: 1"}, False),
    ({"X-Ok": "a\nb"}, False),
])
def test_it_validates_request_headers(headers, ok):
    data = body(requestHeaders=headers)
    assert accepts(data) if ok else fields_in_error(data) == ["requestHeaders"]


# --- Port, Ping -----------------------------------------------------------------------------------

@pytest.mark.parametrize("port,ok", [(0, False), (1, True), (65535, True), (65536, False)])
def test_it_bounds_the_port(port, ok):
    data = body("Port", port=port)
    assert accepts(data) if ok else fields_in_error(data) == ["port"]


def test_it_requires_a_port_for_port_monitors():
    data = body("Port")
    del data["port"]
    assert errors_of(data) == [{"field": "port", "message": "required"}]


@pytest.mark.parametrize("kind", ["Ping", "Port"])
@pytest.mark.parametrize("url,ok", [
    ("db.example.com", True), ("localhost", True), ("192.0.2.1", True), ("2001:db8::1", True),
    ("https://db.example.com", False), ("db.example.com:5432", False),
    ("db.example.com/path", False), ("[2001:db8::1]", False), ("-db.example.com", False),
    ("999.1.1.1", False), ("db_1.example.com", False), ("", False),
])
def test_it_requires_a_bare_host_name_or_ip(kind, url, ok):
    data = body(kind, url=url)
    assert accepts(data) if ok else fields_in_error(data) == ["url"]


def test_it_rejects_a_website_only_field_on_a_port_monitor():
    assert errors_of(body("Port", httpMethod="GET")) == [
        {"field": "httpMethod", "message": "unknown field"}
    ]


@pytest.mark.parametrize("kind,field,value", [
    ("Website", "port", 443), ("Dns", "httpMethod", "GET"), ("Ping", "recordType", "A"),
    ("Domain", "cronExpression", "* * * * *"), ("Job", "port", 1), ("Website", "bogus", 1),
])
def test_it_rejects_fields_that_make_no_sense_for_the_type(kind, field, value):
    assert errors_of(body(kind, **{field: value})) == [{"field": field, "message": "unknown field"}]


# --- Dns and Domain -------------------------------------------------------------------------------

@pytest.mark.parametrize("record_type", ["A", "aaaa", "Cname", "MX", "ns", "TXT", "soa", "caa",
                                         "srv"])
def test_it_accepts_every_dns_record_type_in_any_case(record_type):
    monitor = parse_monitor(body("Dns", recordType=record_type))
    assert monitor.record_type == record_type.upper()


def test_it_rejects_an_unknown_dns_record_type():
    assert fields_in_error(body("Dns", recordType="PTR")) == ["recordType"]


@pytest.mark.parametrize("name,ok", [
    ("example.com", True), ("example.com.", True), ("_dmarc.example.com", True),
    ("_sip._tcp.example.com", True), ("https://example.com", False), ("192.0.2.1", False),
    ("exa mple.com", False), ("a..b", False),
])
def test_it_requires_a_dns_name(name, ok):
    data = body("Dns", url=name)
    assert accepts(data) if ok else fields_in_error(data) == ["url"]


@pytest.mark.parametrize("nameserver,ok", [
    ("1.1.1.1", True), ("1.1.1.1:53", True), ("2606:4700::1111", True),
    ("[2606:4700::1111]:5353", True), ("[2606:4700::1111]", True),
    ("ns1.example.com", False), ("1.1.1.1:0", False), ("1.1.1.1:65536", False),
    ("[1.1.1.1]:53", False), ("1.1.1.1:dns", False),
])
def test_it_accepts_a_nameserver_as_an_ip_with_an_optional_port(nameserver, ok):
    data = body("Dns", nameserver=nameserver)
    assert accepts(data) if ok else fields_in_error(data) == ["nameserver"]


def test_it_limits_expected_dns_values_to_twenty():
    assert accepts(body("Dns", expectedValues=[f"192.0.2.{i}" for i in range(20)]))
    assert fields_in_error(body("Dns", expectedValues=[f"192.0.2.{i}" for i in range(21)])) == [
        "expectedValues"
    ]


@pytest.mark.parametrize("domain,ok", [
    ("example.com", True), ("example.co.uk", True), ("com", False), ("localhost", False),
    ("https://example.com", False), ("192.0.2.1", False),
])
def test_it_requires_a_registered_domain_name(domain, ok):
    data = body("Domain", url=domain)
    assert accepts(data) if ok else fields_in_error(data) == ["url"]


@pytest.mark.parametrize("days,ok", [(0, False), (1, True), (365, True), (366, False)])
def test_it_bounds_domain_expiry_warning_days(days, ok):
    data = body("Domain", expiryWarningDays=days)
    assert accepts(data) if ok else fields_in_error(data) == ["expiryWarningDays"]


# --- Job ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cron", ["* * * * *", "*/5 * * * *", "0 2 * * 1-5", "0 0 29 2 *",
                                  "0 0 L * *"])
def test_it_accepts_valid_cron_expressions(cron):
    assert parse_monitor(body("Job", cronExpression=cron)).cron_expression == cron


@pytest.mark.parametrize("cron", [
    "0 0 31 2 *", "0 0 30 2 *", "61 * * * *", "* * *", "0 0 * * * *", "@daily", "not a cron",
])
def test_it_rejects_invalid_or_impossible_cron_expressions(cron):
    assert fields_in_error(body("Job", cronExpression=cron)) == ["cronExpression"]


def test_it_requires_exactly_one_of_cron_and_period():
    neither = {"name": "Backup", "type": "Job"}
    both = body("Job", periodSeconds=3600)
    assert errors_of(neither) == [{"field": "cronExpression",
                                   "message": "either cronExpression or periodSeconds is required"}]
    assert errors_of(both)[0]["message"] == (
        "cronExpression and periodSeconds cannot both be set; choose one"
    )
    period_only = {"name": "Backup", "type": "Job", "periodSeconds": 3600}
    assert parse_monitor(period_only).period_seconds == 3600


@pytest.mark.parametrize("period,ok", [(59, False), (60, True), (31536000, True),
                                       (31536001, False)])
def test_it_bounds_the_job_period(period, ok):
    data = {"name": "Backup", "type": "Job", "periodSeconds": period}
    assert accepts(data) if ok else fields_in_error(data) == ["periodSeconds"]


@pytest.mark.parametrize("zone,ok", [
    ("UTC", True), ("Europe/Paris", True), ("America/New_York", True),
    ("Mars/Olympus", False), ("utc+2", False), ("", False), ("../etc/passwd", False),
])
def test_it_requires_an_iana_time_zone(zone, ok):
    data = body("Job", timezone=zone)
    assert accepts(data) if ok else fields_in_error(data) == ["timezone"]


@pytest.mark.parametrize("field,value,ok", [
    ("gracePeriodSeconds", -1, False), ("gracePeriodSeconds", 0, True),
    ("gracePeriodSeconds", 31536000, True), ("gracePeriodSeconds", 31536001, False),
])
def test_it_bounds_the_grace_period(field, value, ok):
    data = body("Job", **{field: value})
    assert accepts(data) if ok else fields_in_error(data) == [field]


def test_it_rejects_a_max_runtime_below_the_min_runtime():
    assert fields_in_error(body("Job", minRuntimeSeconds=60, maxRuntimeSeconds=30)) == [
        "maxRuntimeSeconds"
    ]


def test_it_rejects_a_url_on_a_job_monitor():
    assert fields_in_error(body("Job", url="https://example.com")) == ["url"]
    assert isinstance(parse_monitor(body("Job", url=None)), JobMonitorIn)


# --- validation_details ------------------------------------------------------------------------

def test_it_reports_every_error_with_a_camel_case_field_path():
    details = errors_of(body(
        intervalSeconds=10, tags=["ok", "ok", "ok", "BAD"], alertChannelIds=["nope"], extraThing=1,
    ))
    assert details == [
        {"field": "intervalSeconds", "message": "Input should be greater than or equal to 30"},
        {"field": "alertChannelIds.0", "message": "must be an alert channel id (ch_...)"},
        {"field": "tags.3", "message": "must contain only lowercase letters, digits and hyphens"},
        {"field": "extraThing", "message": "unknown field"},
    ]


def test_it_reports_snake_case_input_under_the_camel_case_name():
    assert fields_in_error(body(interval_seconds=10)) == ["intervalSeconds"]


def test_it_reports_a_missing_field_as_required():
    assert errors_of({"type": "Website", "url": "https://a.com"}) == [
        {"field": "name", "message": "required"}
    ]


def test_it_keeps_each_model_self_contained():
    assert set(WebsiteMonitorIn.model_fields) & {"port", "record_type"} == set()
    assert "http_method" not in DnsMonitorIn.model_fields
