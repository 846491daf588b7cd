"""A route's contract is declared once, at its `endpoint(...)`, and holds: under `STRICT`
(tests/conftest.py switches it on for every test) a JSON answer the route's `returns` model does
not describe is drift, named by route and field, and fails the test that provoked it."""
from datetime import datetime
from typing import ClassVar

import pytest

from chalicelib.http import contract
from chalicelib.http.contract import OBJECT, OutModel, Success, page_of
from chalicelib.monitors import routes as monitor_routes


class Member(OutModel):
    id: str
    added_at: datetime | None


class Team(OutModel):
    id: str
    members: list[Member]


class Configured(OutModel):
    config_fields: ClassVar[frozenset[str]] = frozenset({"webhookUrl"})
    id: str


TEAM = {"id": "team_1", "members": [{"id": "mem_1", "addedAt": None}]}


def test_a_body_its_model_describes_is_no_drift():
    assert contract.drift(Success(Team), TEAM) == []
    assert contract.drift(Success(page_of(Team, "TeamPage")),
                          {"items": [TEAM], "totalCount": 1}) == []


def test_a_field_the_model_does_not_name_is_drift_even_deep_inside():
    assert contract.drift(Success(Team), {**TEAM, "secret": 1}) == ["secret: not in the model"]
    nested = {**TEAM, "members": [{"id": "mem_1", "addedAt": None, "role": "x"}]}
    assert contract.drift(Success(list[Team]), [nested]) == [
        "0.members.0.role: not in the model"]


def test_a_missing_or_mistyped_field_is_drift():
    assert contract.drift(Success(Team), {"members": []}) == ["id: Field required"]
    assert contract.drift(Success(Team), {"id": "t", "members": 3}) == [
        "members: Input should be a valid list"]


def test_configuration_fields_pass_and_a_free_form_object_takes_any_field():
    assert contract.drift(Success(Configured), {"id": "x", "webhookUrl": "u"}) == []
    assert contract.drift(Success(Configured), {"id": "x", "other": 1}) == [
        "other: not in the model"]
    assert contract.drift(Success(OBJECT), {"anything": 1}) == []
    assert contract.drift(None, {"anything": 1}) == []


@pytest.fixture
def monitor_id(api):
    return api.post("/api/monitors", {"name": "Site", "type": "Website",
                                      "url": "https://api.example.com"}).json["id"]


def test_a_field_a_handler_adds_and_its_model_does_not_fails_the_test(api, monitor_id,
                                                                       monkeypatch):
    shown = monitor_routes.monitor_detail
    monkeypatch.setattr(monitor_routes, "monitor_detail",
                        lambda item: {**shown(item), "internalNote": "leaked"})
    assert contract.DRIFT == []

    response = api.get(f"/api/monitors/{monitor_id}")

    assert response.status_code == 200   # the client sees no change: the test does
    assert contract.DRIFT == ["GET /api/monitors/{monitor_id}: internalNote: not in the model"]
    contract.DRIFT.clear()   # seen: the conftest fixture would fail this test on it


def test_the_same_answer_without_the_added_field_is_no_drift(api, monitor_id):
    assert api.get(f"/api/monitors/{monitor_id}").status_code == 200
    assert contract.DRIFT == []


def test_outside_tests_nothing_is_checked(api, monitor_id, monkeypatch):
    monkeypatch.setattr(contract, "STRICT", False)
    shown = monitor_routes.monitor_detail
    monkeypatch.setattr(monitor_routes, "monitor_detail",
                        lambda item: {**shown(item), "internalNote": "leaked"})
    assert api.get(f"/api/monitors/{monitor_id}").status_code == 200
    assert contract.DRIFT == []
