"""Pure parts of the dashboard's edit forms: repeated rows of inputs, the API's details on their
rows, datetime-local inputs, a maintenance window's chosen schedule and scope, a status page's
component order and an escalation level left empty."""
import pytest

from chalicelib.kernel.errors import ValidationError
from chalicelib.web import forms
from chalicelib.web.views_maintenance import form_values, window_body
from chalicelib.web.views_policies import level_of, with_spare_levels
from chalicelib.web.views_status_pages import ordered_components


def test_rows_of_inputs_come_back_in_their_numbers_order():
    form = {"levels.10.delayMinutes": ["30"], "levels.2.delayMinutes": ["5"],
            "levels.2.channelIds": ["ch_a", "ch_b"], "name": ["x"], "other.0.x": ["y"]}
    assert forms.rows_from(form, "levels") == [
        {"delayMinutes": ["5"], "channelIds": ["ch_a", "ch_b"]}, {"delayMinutes": ["30"]}]


def test_the_apis_details_land_on_their_rows():
    error = ValidationError("x", details=[
        {"field": "levels.1", "message": "needs a target"},
        {"field": "levels.1.delayMinutes", "message": "second"},
        {"field": "levels.3.teamIds", "message": "no such team"},
        {"field": "levelsX.0", "message": "not a level"}, {"field": "name", "message": "empty"}])
    assert forms.row_errors(error, "levels") == {1: "needs a target", 3: "no such team"}


def test_datetime_local_inputs_are_utc_both_ways():
    assert forms.utc_from_input("2026-04-01T02:00") == "2026-04-01T02:00:00Z"
    assert forms.utc_from_input("tomorrow") == "tomorrow"
    assert forms.utc_from_input("") is None
    assert forms.input_from_utc("2026-04-01T02:00:00Z") == "2026-04-01T02:00"
    assert forms.input_from_utc(None) == ""


TYPED = {"name": "W", "startsAt": "2026-04-01T02:00:00Z", "weekdays": ["Sat"],
         "startTime": "02:30", "cronExpression": "0 2 * * *", "durationMinutes": 60,
         "monitorIds": ["mon_1"], "tags": ["db"], "notifySubscribers": False}


@pytest.mark.parametrize("schedule,scope,expected", [
    ("OneOff", "allMonitors", {"startsAt": "2026-04-01T02:00:00Z", "allMonitors": True}),
    ("Weekly", "tags", {"weekdays": ["Sat"], "startTime": "02:30", "durationMinutes": 60,
                        "tags": ["db"]}),
    ("Cron", "monitorIds", {"cronExpression": "0 2 * * *", "durationMinutes": 60,
                            "monitorIds": ["mon_1"]}),
    ("Cron", "nothing", {"cronExpression": "0 2 * * *", "durationMinutes": 60}),
])
def test_a_window_sends_only_its_chosen_schedule_and_scope(schedule, scope, expected):
    body = window_body({**TYPED, "schedule": schedule, "scope": scope})
    assert body == {"name": "W", "notifySubscribers": False, **expected}


def test_a_window_from_the_api_fills_the_form():
    values = form_values({"type": "Weekly", "tags": ["db", "eu"], "monitorIds": None,
                          "startsAt": None, "endsAt": None})
    assert (values["schedule"], values["scope"], values["tags"], values["startsAt"]) == \
        ("Weekly", "tags", "db, eu", "")


def row(monitor_id, position, **extra):
    return {"monitorId": monitor_id, "position": position, "remove": False, **extra}


def test_components_follow_their_places_then_the_monitors_added():
    rows = [row("mon_a", "3"), row("mon_b", "1", displayName="B"), row("mon_c", "", remove=True),
            row("mon_d", "")]
    assert ordered_components(rows, ["mon_e", "mon_a"]) == [
        {"monitorId": "mon_b", "displayName": "B"}, {"monitorId": "mon_a"},
        {"monitorId": "mon_d"}, {"monitorId": "mon_e"}]


def test_a_place_that_is_not_a_number_is_a_400_on_its_row():
    with pytest.raises(ValidationError) as refused:
        ordered_components([row("mon_a", "1"), row("mon_b", "2nd")], [])
    assert refused.value.details == [{"field": "components.1.position",
                                      "message": "must be a whole number"}]


def test_an_empty_or_removed_level_is_not_sent():
    assert level_of({"delayMinutes": [""]}) is None
    assert level_of({"delayMinutes": ["5"], "channelIds": ["ch_a"], "remove": ["on"]}) is None
    assert level_of({"delayMinutes": ["5"]}) == {"delayMinutes": 5, "channelIds": [],
                                                  "teamIds": []}
    assert len(with_spare_levels([{}] * 9)) == 10 and len(with_spare_levels([])) == 2
