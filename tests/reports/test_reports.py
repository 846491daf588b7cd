"""/api/reports: a month's figures checked against a hand-computed fixture, the formats, the
plan's reports per month, email, and the monthly run."""
from datetime import datetime, timezone

import pytest
from apitools import make_account

WEBSITE = {"type": "Website", "url": "https://api.example.com"}
NOW = datetime(2026, 3, 24, 10, tzinfo=timezone.utc)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def add_hour(monitor_id, hour, times_ms, failures=0):
    """One hourly rollup as the rollup job writes it: `failures` failed checks without a
    response time, then one passing check per value of `times_ms`; the job has rolled up every
    hour to NOW's."""
    from result_seeds import put_rollup, roll_through

    put_rollup(monitor_id, int(hour.timestamp()), [None] * failures + list(times_ms), failures)
    roll_through(int(NOW.timestamp()) // 3600 * 3600)


def add_incident(account_id, monitor_id, started, acknowledged=None, resolved=None):
    from chalicelib.incidents import service as incidents
    from chalicelib.kernel.ids import new_id

    incident_id = new_id("inc")
    incidents.open_for_monitor(account_id, monitor_id, "API", incident_id, "HTTP 503", started)
    if acknowledged:
        incidents.acknowledge(account_id, incident_id, "ops", acknowledged)
    if resolved:
        incidents.resolve(account_id, incident_id, "ops", resolved)


@pytest.fixture
def february(api, clock):
    """February 2026 of two monitors (the figures are worked out in `test_it_computes_...`)."""
    from chalicelib.storage import monitors as monitor_store

    clock.set(at(2026, 1, 15))
    api_id = api.post("/api/monitors", {**WEBSITE, "name": "API"}).json["id"]
    web_id = api.post("/api/monitors", {**WEBSITE, "name": "Web <Shop>"}).json["id"]
    clock.set(NOW)
    account_id = monitor_store.find_by_id(api_id).account_id
    # API: 180 checks in February, 30 failed; 150 response times, 3 of them slow.
    add_hour(api_id, at(2026, 1, 31, 23), [], failures=60)         # January: not counted
    add_hour(api_id, at(2026, 2, 10, 10), [100] * 60)
    add_hour(api_id, at(2026, 2, 10, 11), [100] * 30, failures=30)
    add_hour(api_id, at(2026, 2, 20, 0), [100] * 57 + [2000] * 3)
    add_hour(api_id, at(2026, 3, 1, 0), [], failures=60)           # March: not counted
    add_incident(account_id, api_id, at(2026, 2, 10, 11), at(2026, 2, 10, 11, 5),
                 at(2026, 2, 10, 11, 30))                                  # 1800 s, ack 300 s
    add_incident(account_id, api_id, at(2026, 1, 31, 23), at(2026, 1, 31, 23, 10),
                 at(2026, 2, 1, 1))                                        # 3600 s in Feb
    add_incident(account_id, api_id, at(2026, 2, 28, 23))                  # open: 3600 s in Feb
    add_incident(account_id, api_id, at(2026, 1, 20), None, at(2026, 1, 21))  # January only
    # Web: 20 checks, 1 failed, in two hours; the first one wholly inside maintenance.
    add_hour(web_id, at(2026, 2, 15, 12), [200] * 9, failures=1)
    add_hour(web_id, at(2026, 2, 15, 13), [200] * 10)
    api.post("/api/maintenance-windows", {"name": "Move", "startsAt": "2026-02-15T11:30:00Z",
                                          "endsAt": "2026-02-15T13:00:00Z",
                                          "monitorIds": [web_id]})
    return api_id, web_id


def test_it_computes_the_months_figures(api, february):
    api_id, web_id = february
    response = api.post("/api/reports", {"month": "2026-02"})
    assert response.status_code == 201, response.json
    report = response.json
    assert report["id"].startswith("rep_")
    assert (report["month"], report["from"], report["to"], report["trigger"]) == \
        ("2026-02", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "OnDemand")
    assert report["generatedAt"] == "2026-03-24T10:00:00Z"
    api_row, web_row = report["monitors"]
    assert api_row == {
        "monitorId": api_id, "name": "API",
        "uptimePercentage": 83.333,          # 150 of 180
        "downtimeSeconds": 9000,             # 1800 + 3600 + 3600
        "incidents": 3,
        "mttaSeconds": 450,                  # (300 + 600) / 2
        "mttrSeconds": 4500,                 # (1800 + 7200) / 2, whole incidents
        "p95ResponseTimeMs": 117,            # rank 143 of 150 is a 100 ms: bucket edge 116.4
        "checks": 180, "failedChecks": 30, "maintenanceSeconds": 0,
    }
    assert web_row == {
        "monitorId": web_id, "name": "Web <Shop>",
        "uptimePercentage": 100.0,           # the hour with the failure is maintenance
        "downtimeSeconds": 0, "incidents": 0, "mttaSeconds": None, "mttrSeconds": None,
        "p95ResponseTimeMs": 228,            # 200 ms: bucket edge 227.4
        "checks": 20, "failedChecks": 1, "maintenanceSeconds": 5400,
    }
    assert report["totals"] == {
        "monitors": 2, "uptimePercentage": 84.211,   # 160 of 190 counted
        "downtimeSeconds": 9000, "incidents": 3, "mttaSeconds": 450, "mttrSeconds": 4500,
        "p95ResponseTimeMs": 228,            # rank 161 of 169 falls among Web's 200 ms
        "checks": 200, "failedChecks": 31, "maintenanceSeconds": 5400,
    }
    assert api.get(f"/api/reports/{report['id']}").json == report


def test_the_current_months_report_counts_the_hours_not_rolled_up_yet(api, clock, february):
    from result_seeds import put_result, roll_through

    api_id, _ = february
    roll_through(int(at(2026, 3, 24, 8).timestamp()))     # the job is an hour behind
    for minute, ok in ((5, True), (20, False)):           # 09:05 and 09:20: live
        put_result(api_id, int(at(2026, 3, 24, 9, minute).timestamp()), ok=ok, ms=100)
    [api_row, _] = api.post("/api/reports", {"month": "2026-03"}).json["monitors"]
    # March 1st's stored hour (60 failed) and the two live results.
    assert (api_row["checks"], api_row["failedChecks"]) == (62, 61)


def test_a_body_less_post_reports_on_last_month(api, february):
    response = api.post("/api/reports")
    assert response.status_code == 201, response.json
    assert response.json["month"] == "2026-02"
    assert response.json["email"] == {"requested": False, "sent": False, "recipients": [],
                                      "note": None}
    listed = api.get("/api/reports").json
    assert listed["totalCount"] == 1
    assert listed["items"][0]["id"] == response.json["id"] and "monitors" not in listed["items"][0]


def test_it_serves_csv_with_one_row_per_monitor(api, february):
    api_id, web_id = february
    report = api.post("/api/reports", {"month": "2026-02"}).json
    response = api.client.http.get(f"/api/reports/{report['id']}?format=csv",
                                   headers={"X-API-Key": api.key})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    lines = response.body.decode().splitlines()
    assert lines[0] == ("monitorId,name,uptimePercentage,downtimeSeconds,incidents,mttaSeconds,"
                        "mttrSeconds,p95ResponseTimeMs,checks,failedChecks,maintenanceSeconds")
    assert lines[1:] == [f"{api_id},API,83.333,9000,3,450,4500,117,180,30,0",
                         f"{web_id},Web <Shop>,100.0,0,0,,,228,20,1,5400"]


def test_it_serves_a_self_contained_html_page(api, february):
    report = api.post("/api/reports", {"month": "2026-02"}).json
    response = api.client.http.get(f"/api/reports/{report['id']}?format=HTML",
                                   headers={"X-API-Key": api.key})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert "<title>Enori monthly report 2026-02</title>" in page
    assert "Web &lt;Shop&gt;" in page and "<Shop>" not in page
    assert "2h 30m 0s" in page                      # API's downtime, readable
    assert "<link" not in page and "<script" not in page and "http" not in page


def test_it_refuses_an_unknown_format(api, february):
    report = api.post("/api/reports", {"month": "2026-02"}).json
    response = api.get(f"/api/reports/{report['id']}?format=pdf")
    assert (response.status_code, response.json["details"][0]["field"]) == (400, "format")


@pytest.mark.parametrize("month", ["2026-13", "26-02", "2026-2", "2026-04", "0000-01", 202602])
def test_it_refuses_a_bad_or_future_month(api, month):
    response = api.post("/api/reports", {"month": month})
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "month"


def test_the_csv_neutralises_formulas():
    from chalicelib.reports.rendering import to_csv

    text = to_csv({"monitors": [{"monitorId": "mon_a", "name": "=HYPERLINK(\"x\")"}]})
    assert text.splitlines()[1].startswith("mon_a,\"'=HYPERLINK")


# --- the plan's reports per month ------------------------------------------------------------

@pytest.mark.parametrize("plan, limit, message", [
    ("Base", 3, "Your Base plan allows 3 reports per month. Upgrade to Pro for up to 10."),
    ("Pro", 10, "Your Pro plan allows 10 reports per month. "
                "Upgrade to Business for unlimited reports per month."),
])
def test_it_counts_reports_against_the_plan_per_month(api, clock, plan, limit, message):
    _, key = make_account(plan=plan)
    for _ in range(limit):
        assert api.post("/api/reports", {"month": "2026-02"}, key=key).status_code == 201
    over = api.post("/api/reports", {"month": "2026-01"}, key=key)
    assert over.status_code == 403
    assert over.json == {"error": "Report limit exceeded", "code": "PLAN_LIMIT_EXCEEDED",
                         "message": message}
    assert api.get("/api/reports", key=key).json["totalCount"] == limit
    clock.set(at(2026, 4, 1, 0, 0, 1))                  # a new month, a new allowance
    assert api.post("/api/reports", key=key).status_code == 201


def test_business_reports_are_unlimited(api):
    for _ in range(11):
        assert api.post("/api/reports", {"month": "2026-02"}).status_code == 201


def test_another_account_cannot_read_a_report(api):
    report = api.post("/api/reports").json["id"]
    _, other = make_account()
    assert api.get(f"/api/reports/{report}", key=other).status_code == 404
    assert api.get("/api/reports", key=other).json["totalCount"] == 0


def test_it_needs_the_report_scopes(api):
    _, reader = make_account(scopes=("reports:read",))
    assert api.get("/api/reports", key=reader).status_code == 200
    assert api.post("/api/reports", key=reader).json["code"] == "INSUFFICIENT_SCOPE"


# --- email -----------------------------------------------------------------------------------

def test_without_team_owners_email_is_skipped_with_a_note(api):
    report = api.post("/api/reports", {"email": True}).json
    assert report["email"]["sent"] is False
    assert report["email"]["note"] == "Not emailed: the account has no team owners to send it to."


def test_it_emails_the_team_owners(api, clock):
    from chalicelib.kernel.runtime import runtime
    from chalicelib.kernel.settings import settings
    from chalicelib.storage.teams import MemberMap, TeamItem

    account_id = api.get("/api/account").json["id"]
    members = [MemberMap(member_id="m1", email="boss@example.com", role="Owner", added_at=NOW),
               MemberMap(member_id="m2", email="dev@example.com", role="Member", added_at=NOW)]
    TeamItem(account_id, "team_ops", name="Ops", members=members, member_count=2,
             created_at=NOW, updated_at=NOW).save()
    ses = runtime.client("ses")
    ses.verify_email_identity(EmailAddress=settings.mail_from)
    report = api.post("/api/reports", {"email": True}).json
    assert report["email"] == {"requested": True, "sent": True,
                               "recipients": ["boss@example.com"], "note": None}
    assert api.get(f"/api/reports/{report['id']}").json["email"]["sent"] is True
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert set(sent.destinations) == {"boss@example.com"}   # moto lists To as well
    assert "[Enori] Monthly report 2026-02" in str(sent.raw_data)


# --- the monthly run -------------------------------------------------------------------------

def test_the_monthly_run_reports_on_every_account_once_without_counting(api, clock, monkeypatch):
    from chalicelib.reports import service as reports
    from chalicelib.storage.accounts import AccountItem

    def no_scan(*args, **kwargs):
        raise AssertionError("the monthly run must not scan the accounts table")

    monkeypatch.setattr(AccountItem, "scan", no_scan)
    base_id, base_key = make_account(plan="Base")
    clock.set(at(2026, 4, 1, 2))
    first = reports.generate_monthly(clock.now())
    assert first["month"] == "2026-03" and first["generated"] >= 2 and first["failed"] == 0
    again = reports.generate_monthly(clock.now())
    assert (again["generated"], again["skipped"]) == (0, first["generated"])
    [scheduled] = api.get("/api/reports", key=base_key).json["items"]
    assert (scheduled["month"], scheduled["trigger"]) == ("2026-03", "Scheduled")
    for _ in range(3):  # the scheduled report took none of the Base plan's three
        assert api.post("/api/reports", key=base_key).status_code == 201
    assert api.post("/api/reports", key=base_key).status_code == 403


def test_the_monthly_run_is_scheduled_at_two_on_the_first(api):
    from app import app

    [schedule] = [s for s in app.event_sources if getattr(s, "name", "") ==
                  "generate_monthly_reports"]
    assert schedule.schedule_expression.to_string() == "cron(0 2 1 * ? *)"


def test_a_report_reads_the_rollup_cursor_once_not_once_per_monitor(api, february):
    from apitools import aws_calls

    with aws_calls(with_params=True) as calls:
        assert api.post("/api/reports", {"month": "2026-02"}).status_code == 201
    cursor_reads = [p for op, p in calls if op == "GetItem"
                    and p["Key"].get("shard") == {"S": "rolled"}]
    assert len(cursor_reads) == 1     # two monitors
