from apitools import make_account
from awsfixtures import queued_checks

WEBSITE = {"name": "Production API", "type": "Website", "url": "https://api.example.com",
           "intervalSeconds": 60, "tags": ["production", "api"]}


def test_it_creates_a_pending_monitor(api):
    response = api.post("/api/monitors", WEBSITE)
    assert response.status_code == 201
    body = response.json
    assert body["id"].startswith("mon_")
    assert body["status"] == "Pending"
    assert body["type"] == "Website"
    assert body["failureThreshold"] == 2
    assert body["uptimePercentage"] == 100.0


def test_it_lists_with_the_spec_fields(api):
    api.post("/api/monitors", WEBSITE)
    listed = api.get("/api/monitors").json
    assert listed["totalCount"] == 1
    item = listed["items"][0]
    for field in ("id", "name", "type", "url", "status", "uptimePercentage", "lastCheckedAt",
                  "intervalSeconds", "tags"):
        assert field in item


def test_it_filters_by_tags_with_and_and_by_type(api):
    api.post("/api/monitors", {**WEBSITE, "name": "a", "tags": ["prod", "api"]})
    api.post("/api/monitors", {**WEBSITE, "name": "b", "tags": ["prod"]})
    api.post("/api/monitors", {"name": "c", "type": "port", "url": "db.example.com", "port": 5432,
                               "tags": ["prod", "api"]})
    names = lambda q: sorted(m["name"] for m in api.get("/api/monitors" + q).json["items"])
    assert names("?tag=prod&tag=api") == ["a", "c"]
    assert names("?tag=prod") == ["a", "b", "c"]
    assert names("?type=Website") == ["a", "b"]
    assert names("?type=port&tag=api") == ["c"]


def test_it_refuses_a_taken_name_with_409(api):
    api.post("/api/monitors", WEBSITE)
    response = api.post("/api/monitors", WEBSITE)
    assert response.status_code == 409
    assert response.json["code"] == "CONFLICT"


def test_it_resets_omitted_fields_on_put(api):
    created = api.post("/api/monitors", {**WEBSITE, "failureThreshold": 5,
                                         "expectedKeyword": "ok"}).json
    replaced = api.put(f"/api/monitors/{created['id']}", {
        "name": "Production API", "type": "Website", "url": "https://api.example.com/v2"})
    assert replaced.status_code == 200
    assert replaced.json["failureThreshold"] == 2
    assert replaced.json["expectedKeyword"] is None
    assert replaced.json["tags"] == []
    assert replaced.json["url"] == "https://api.example.com/v2"


def test_it_upserts_by_name_create_then_update(api):
    first = api.put("/api/monitors/by-name/Checkout", {**WEBSITE, "name": "ignored"})
    assert first.status_code == 200
    assert first.json["name"] == "Checkout"
    second = api.put("/api/monitors/by-name/Checkout", {**WEBSITE, "intervalSeconds": 300})
    assert second.status_code == 200
    assert second.json["id"] == first.json["id"]
    assert second.json["intervalSeconds"] == 300
    assert api.get("/api/monitors").json["totalCount"] == 1


def test_it_renames_and_frees_the_old_name(api):
    created = api.post("/api/monitors", WEBSITE).json
    api.put(f"/api/monitors/{created['id']}", {**WEBSITE, "name": "Renamed"})
    assert api.post("/api/monitors", WEBSITE).status_code == 201


def test_it_deletes_and_frees_the_plan_slot(api):
    created = api.post("/api/monitors", WEBSITE).json
    assert api.delete(f"/api/monitors/{created['id']}").status_code == 204
    assert api.get(f"/api/monitors/{created['id']}").status_code == 404
    assert api.get("/api/account").json["usage"]["monitors"] == 0
    assert api.post("/api/monitors", WEBSITE).status_code == 201


def test_it_pauses_and_resumes(api):
    created = api.post("/api/monitors", WEBSITE).json
    paused = api.post(f"/api/monitors/{created['id']}/pause")
    assert paused.status_code == 200
    assert paused.json["status"] == "Paused"
    resumed = api.post(f"/api/monitors/{created['id']}/resume")
    assert resumed.json["status"] == "Pending"


def test_it_counts_the_extra_monitor_add_on(api):
    _, key = make_account(plan="Base", extra_monitors=1)
    assert api.get("/api/account", key=key).json["limits"]["monitors"] == 11


def test_it_needs_the_add_on_for_30_second_checks(api):
    _, key = make_account(plan="Pro")
    response = api.post("/api/monitors", {**WEBSITE, "intervalSeconds": 30, "timeoutSeconds": 10},
                        key=key)
    assert response.status_code == 403
    assert response.json["code"] == "PLAN_LIMIT_EXCEEDED"
    _, key = make_account(plan="Pro", thirty_second_checks=True)
    response = api.post("/api/monitors", {**WEBSITE, "intervalSeconds": 30, "timeoutSeconds": 10},
                        key=key)
    assert response.status_code == 201


def test_it_refuses_an_unknown_alert_channel(api):
    response = api.post("/api/monitors", {**WEBSITE, "alertChannelIds": ["ch_abc123"]})
    assert response.status_code == 400
    assert response.json["code"] == "INVALID_REFERENCE"
    assert response.json["details"][0]["field"] == "alertChannelIds"


def test_it_refuses_an_interval_that_is_not_whole_half_minutes(api):
    response = api.post("/api/monitors", {**WEBSITE, "intervalSeconds": 75})
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "intervalSeconds"


def test_it_refuses_a_field_that_makes_no_sense_for_the_type(api):
    response = api.post("/api/monitors", {**WEBSITE, "port": 443})
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "port"


def test_check_now_answers_the_regions_it_queued(api):
    monitor = api.post("/api/monitors", {**WEBSITE, "regions": ["UsEast", "EuWest"]}).json
    response = api.post(f"/api/monitors/{monitor['id']}/check")
    assert response.status_code == 202
    assert response.json["regions"] == ["UsEast", "EuWest"]


def test_it_takes_the_public_service_ranges(api):
    created = api.post("/api/monitors", {**WEBSITE, "intervalSeconds": 90, "timeoutSeconds": 90,
                                         "failureThreshold": 0})
    assert created.status_code == 201
    assert (created.json["intervalSeconds"], created.json["timeoutSeconds"],
            created.json["failureThreshold"]) == (90, 90, 0)
    longest = api.post("/api/monitors", {**WEBSITE, "name": "yearly",
                                         "intervalSeconds": 31_104_000, "timeoutSeconds": 300})
    assert longest.status_code == 201


def test_it_names_the_field_outside_the_ranges(api):
    for bad in ({"intervalSeconds": 31_104_030}, {"intervalSeconds": 100},
                {"timeoutSeconds": 301, "intervalSeconds": 600},
                {"timeoutSeconds": 61, "intervalSeconds": 60}, {"failureThreshold": 11}):
        response = api.post("/api/monitors", {**WEBSITE, **bad})
        assert response.status_code == 400, bad
        assert response.json["details"][0]["field"] == list(bad)[0], bad


def test_it_takes_the_spec_s_numeric_types_and_answers_with_names(api):
    created = api.post("/api/monitors", {**WEBSITE, "type": 10})
    assert (created.status_code, created.json["type"]) == (201, "Website")
    api.post("/api/monitors", {"name": "db", "type": 2, "url": "db.example.com", "port": 5432})
    assert [m["name"] for m in api.get("/api/monitors?type=10").json["items"]] == [WEBSITE["name"]]
    assert [m["type"] for m in api.get("/api/monitors?type=2").json["items"]] == ["Port"]
    assert api.get("/api/monitors?type=11").status_code == 400


def test_an_empty_expected_keyword_clears_it(api):
    created = api.post("/api/monitors", {**WEBSITE, "expectedKeyword": "ok"}).json
    replaced = api.put(f"/api/monitors/{created['id']}", {**WEBSITE, "expectedKeyword": ""})
    assert (replaced.status_code, replaced.json["expectedKeyword"]) == (200, None)


# --- a tolerant reader: clients send back what they read ---------------------------------------

def test_a_put_of_the_get_representation_is_accepted(api):
    created = api.post("/api/monitors", {**WEBSITE, "expectedKeyword": "ok"}).json
    read = api.get(f"/api/monitors/{created['id']}").json
    assert {"id", "status", "createdAt", "updatedAt", "uptimePercentage", "lastCheckedAt",
            "regionStatus", "paused"} <= set(read)
    replaced = api.put(f"/api/monitors/{created['id']}", {**read, "intervalSeconds": 300})
    assert replaced.status_code == 200, replaced.json
    assert replaced.json["intervalSeconds"] == 300
    assert replaced.json["expectedKeyword"] == "ok"
    assert replaced.json["createdAt"] == read["createdAt"]


def test_a_job_monitor_representation_round_trips_with_its_ping_fields(api):
    created = api.post("/api/monitors", {"name": "nightly", "type": "Job",
                                         "periodSeconds": 3600}).json
    assert created["pingToken"] and created["pingUrl"]
    replaced = api.put(f"/api/monitors/{created['id']}", {**created, "gracePeriodSeconds": 120})
    assert replaced.status_code == 200, replaced.json
    assert replaced.json["pingToken"] == created["pingToken"]   # not taken from the body
    assert replaced.json["gracePeriodSeconds"] == 120


def test_a_post_of_a_read_representation_creates_a_new_monitor(api):
    first = api.post("/api/monitors", WEBSITE).json
    copy = api.post("/api/monitors", {**first, "name": "copy", "status": "Up"})
    assert copy.status_code == 201, copy.json
    assert copy.json["id"] != first["id"] and copy.json["status"] == "Pending"


def test_an_id_other_than_the_path_s_is_a_400(api):
    created = api.post("/api/monitors", WEBSITE).json
    response = api.put(f"/api/monitors/{created['id']}", {**created, "id": "mon_other"})
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "id"


def test_a_truly_unknown_field_is_still_a_400_naming_it(api):
    created = api.post("/api/monitors", WEBSITE).json
    response = api.put(f"/api/monitors/{created['id']}", {**created, "colour": "red"})
    assert response.status_code == 400
    assert [d["field"] for d in response.json["details"]] == ["colour"]
    assert api.post("/api/monitors", {**WEBSITE, "port": 443}).json["details"][0]["field"] \
        == "port"


# --- PATCH: JSON merge patch ---------------------------------------------------------------------

def test_patch_changes_only_the_fields_sent(api):
    created = api.post("/api/monitors", {**WEBSITE, "failureThreshold": 5,
                                         "expectedKeyword": "ok"}).json
    patched = api.patch(f"/api/monitors/{created['id']}", {"intervalSeconds": 300})
    assert patched.status_code == 200, patched.json
    assert patched.json["intervalSeconds"] == 300
    assert (patched.json["failureThreshold"], patched.json["expectedKeyword"],
            patched.json["tags"]) == (5, "ok", WEBSITE["tags"])
    assert api.get(f"/api/monitors/{created['id']}").json["intervalSeconds"] == 300


def test_patch_with_null_resets_a_field_and_merges_objects(api):
    created = api.post("/api/monitors", {**WEBSITE, "expectedKeyword": "ok",
                                         "requestHeaders": {"X-A": "1", "X-B": "2"}}).json
    patched = api.patch(f"/api/monitors/{created['id']}", {
        "expectedKeyword": None, "requestHeaders": {"X-A": None, "X-C": "3"}})
    assert patched.status_code == 200, patched.json
    assert patched.json["expectedKeyword"] is None
    assert patched.json["requestHeaders"] == {"X-B": "2", "X-C": "3"}


def test_patch_validates_like_a_full_replace(api):
    created = api.post("/api/monitors", WEBSITE).json
    for patch, field in (({"intervalSeconds": 100}, "intervalSeconds"), ({"colour": 1}, "colour"),
                         ({"id": "mon_other"}, "id"), ({"name": None}, "name")):
        response = api.patch(f"/api/monitors/{created['id']}", patch)
        assert response.status_code == 400, patch
        assert response.json["details"][0]["field"] == field, patch
    assert api.patch(f"/api/monitors/{created['id']}", raw="[1]").status_code == 400
    assert api.get(f"/api/monitors/{created['id']}").json["intervalSeconds"] == 60


def test_patch_of_a_missing_monitor_is_404(api):
    assert api.patch("/api/monitors/mon_missing", {"intervalSeconds": 300}).status_code == 404


def test_patch_of_a_job_monitor_keeps_its_schedule_and_token(api):
    created = api.post("/api/monitors", {"name": "nightly", "type": "Job",
                                         "cronExpression": "0 3 * * *"}).json
    patched = api.patch(f"/api/monitors/{created['id']}", {"gracePeriodSeconds": 600},
                        headers={"Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 200, patched.json
    assert (patched.json["gracePeriodSeconds"], patched.json["cronExpression"],
            patched.json["pingToken"]) == (600, "0 3 * * *", created["pingToken"])


class _DarkRegion:
    """A fast SQS client of a region whose queue cannot be reached: every call is refused."""

    def __getattr__(self, operation):
        def refuse(**_):
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9/")
        return refuse


def dark(monkeypatch, *regions):
    from chalicelib.bus import dispatch, queues

    real = dispatch.fast_sqs
    monkeypatch.setattr(dispatch, "fast_sqs",
                        lambda region: _DarkRegion() if region in regions else real(region))
    queues._queue_urls.clear()     # each region's URL is looked up again, through its client


def test_check_now_with_a_dark_region_queues_the_others_and_says_which(api, monkeypatch):
    monitor = api.post("/api/monitors", {**WEBSITE, "regions": ["UsEast", "EuWest"]}).json
    dark(monkeypatch, "EuWest")
    response = api.post(f"/api/monitors/{monitor['id']}/check")
    assert response.status_code == 202
    assert response.json["regions"] == ["UsEast"]
    assert [j.manual for j in queued_checks("UsEast", monitor["id"])] == [True]
    assert queued_checks("EuWest", monitor["id"]) == []


def test_check_now_with_every_region_dark_is_a_503_naming_them(api, monkeypatch):
    monitor = api.post("/api/monitors", {**WEBSITE, "regions": ["EuWest"]}).json
    dark(monkeypatch, "EuWest")
    response = api.post(f"/api/monitors/{monitor['id']}/check")
    assert response.status_code == 503
    assert response.json["code"] == "SERVICE_UNAVAILABLE"
    assert "EuWest" in response.json["message"]


def test_resume_with_a_dark_region_resumes_and_checks_from_the_others(api, monkeypatch):
    monitor = api.post("/api/monitors", {**WEBSITE, "regions": ["UsEast", "EuWest"]}).json
    api.post(f"/api/monitors/{monitor['id']}/pause")
    dark(monkeypatch, "EuWest")
    resumed = api.post(f"/api/monitors/{monitor['id']}/resume")
    assert resumed.status_code == 200 and resumed.json["status"] == "Pending"
    assert api.get(f"/api/monitors/{monitor['id']}").json["status"] == "Pending"
    assert [j.manual for j in queued_checks("UsEast", monitor["id"])] == [True]
