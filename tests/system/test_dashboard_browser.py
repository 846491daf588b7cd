"""The dashboard in a real browser (Debian's Chromium through Playwright) on the real local stack:
the journey a new user takes, from the sign-in link `make run` prints to signing out; a Viewer
who can change nothing; forms without their CSRF token; another account's ids; and axe-core on
every page. Screenshots of each page, at desktop width and at 390 px, go to
test-artifacts/dashboard/."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from browser import CHROMIUM, LAUNCH_ARGS
from conftest import REPO_ROOT, LocalStack, create, wait_until
from targets import HttpTarget, WebhookReceiver

AXE = REPO_ROOT / ".cache" / "axe-core" / "axe.min.js"
SHOTS = REPO_ROOT / "test-artifacts" / "dashboard"
SIGN_IN_LINE = re.compile(r"Sign in to the dashboard .*: (http://\S+?/signin/[A-Za-z0-9_-]{43})")
# A second account in the stack's own tables, through the same helpers `make key` uses.
SECOND_ACCOUNT = """
import sys
from pathlib import Path
from local.keys import _dynamodb_of
from local.stack import export_storage_settings
data_dir = Path(sys.argv[1]).resolve()
with _dynamodb_of(data_dir) as endpoint:
    export_storage_settings(endpoint, data_dir)
    from chalicelib.accounts.service import create_account
    from chalicelib.accounts.keys import issue_key
    from chalicelib.kernel.clock import SystemClock
    now = SystemClock().now()
    account = create_account("Other", "Business", now)
    print(issue_key(account.account_id, "other", ["*"], now)[1])
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make deps` installs Debian's chromium.", pytrace=False)
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make deps` (scripts/fetch-axe.sh) fetches it.",
                    pytrace=False)
    target, hook = HttpTarget().start(), WebhookReceiver()
    stack = LocalStack(tmp_path_factory.mktemp("dashboard") / "data").start()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield {"stack": stack, "target": target, "hook": hook, "browser": browser, "state": {}}
        browser.close()
    stack.stop()
    target.stop()
    hook.stop()


def new_page(world, width=1280):
    page = world["browser"].new_context(viewport={"width": width, "height": 900}).new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return page


def sign_in(page, link):
    page.goto(link)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Monitors", exact=True).is_visible()


def cli_link(stack, *args):
    done = stack.cli("login", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def heading_status(page):
    return page.locator("h1 .status").inner_text()


def check_until(page, status, timeout=60):
    """Press "Check now" (each press its own slot) until the monitor shows `status`; presses
    at most every 12 s, within the check-now tier (5 a minute, as for an API key)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1.1)
        with page.expect_navigation():
            page.get_by_role("button", name="Check now").click()
        for _ in range(20):
            if heading_status(page) == status:
                return True
            time.sleep(0.5)
            page.reload()
    return False


def shows_after_reload(page, selector):
    time.sleep(0.5)
    page.reload()
    return page.locator(selector).count() > 0


def test_the_journey_of_a_new_user(world):
    stack, target, hook = world["stack"], world["target"], world["hook"]
    link = SIGN_IN_LINE.search(stack.output).group(1)
    page = new_page(world)
    sign_in(page, link)

    # A Website monitor against a local target, Up, with a chart.
    page.get_by_role("link", name="New monitor").click()
    page.get_by_label("Name", exact=True).fill("Shop")
    page.get_by_label("URL or host").fill(target.url)
    page.get_by_label("Failures before Down").fill("1")
    with page.expect_navigation():
        page.get_by_role("button", name="Create monitor").click()
    monitor_id = page.url.split("/monitors/")[1].split("?")[0]
    world["state"]["monitor"] = monitor_id
    assert check_until(page, "Up"), stack.output[-3000:]
    assert page.locator(".chart canvas").count() >= 1, "uPlot drew the response-time chart"

    # The target fails: Down, and the incident opens.
    target.stop()
    assert check_until(page, "Down"), stack.output[-3000:]
    assert wait_until(lambda: shows_after_reload(page, "a[href^='/incidents/inc_']"), 60), \
        stack.output[-3000:]
    page.locator("a[href^='/incidents/inc_']").first.click()
    world["state"]["incident"] = page.url.rsplit("/", 1)[1]

    # Acknowledge, post a public update, resolve.
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge").click()
    assert "Acknowledged by owner@enori.local" in page.content()
    page.get_by_label("Message").fill("We are on it")
    with page.expect_navigation():
        page.get_by_role("button", name="Post update").click()
    assert page.get_by_text("We are on it").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Resolve incident").click()
    assert page.locator("p.muted", has_text="Resolved by owner@enori.local").is_visible()
    incident = stack.request("GET", f"/api/incidents/{world['state']['incident']}",
                             key=stack.key)[1]
    assert incident["resolvedAt"] and incident["acknowledgedBy"] == "owner@enori.local"
    assert [e["public"] for e in incident["timeline"] if e["message"] == "We are on it"] == [True]

    # A webhook channel, and a test sent through it.
    page.get_by_role("link", name="Alerting").click()
    page.get_by_label("Name", exact=True).fill("Ops hook")
    # Each type has its own fields; picking one shows only its fieldset.
    fieldset = 'fieldset[data-channel-type="{}"]'.format
    page.locator("select[data-channel-type-select]").select_option("Ntfy")
    assert page.locator(fieldset("Ntfy")).is_visible()
    assert page.locator(fieldset("Ntfy")).get_by_label("topic").is_visible()
    shown = page.locator("fieldset[data-channel-type]:visible")
    assert shown.count() == 1
    page.locator("select[data-channel-type-select]").select_option("Webhook")
    assert not page.locator(fieldset("Ntfy")).is_visible()
    page.locator(fieldset("Webhook")).get_by_label("webhookUrl").fill(hook.url)
    with page.expect_navigation():
        page.get_by_role("button", name="Create channel").click()
    world["state"]["channel"] = page.url.split("/channels/")[1].split("?")[0]
    with page.expect_navigation():
        page.get_by_role("button", name="Send a test alert").click()
    assert "Test delivered" in page.locator("#test-result").inner_text()
    assert hook.received, "the webhook received the test"

    # An API key, shown once, used over HTTP.
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name", exact=True).fill("CI")
    page.get_by_label("monitors:read").check()
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#new-key").inner_text().strip()
    request = urllib.request.Request(f"{stack.base_url}/api/monitors", headers={"X-API-Key": key})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200
        assert [m["name"] for m in json.load(answer)["items"]] == ["Shop"]

    # Sign out: the session is gone.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert page.get_by_text("You are signed out.").is_visible()
    assert page.problems == [], page.problems
    assert page.goto(f"{stack.base_url}/").status == 401
    assert page.get_by_role("heading", name="Sign in to Enori").is_visible()


def test_a_viewer_can_change_nothing(world):
    stack = world["stack"]
    monitor = create(stack, "/api/monitors", {"name": "Viewed", "type": "Website",
                                              "url": "https://viewed.example.com/"})
    page = new_page(world)
    sign_in(page, cli_link(stack, "--role", "Viewer", "--email", "viewer@enori.local"))
    page.goto(f"{stack.base_url}/monitors/{monitor['id']}")
    assert page.locator("main form").count() == 0
    assert page.get_by_role("button", name="Pause").count() == 0
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    refused = page.request.post(f"{stack.base_url}/monitors/{monitor['id']}/pause",
                                form={"csrf": csrf}, max_redirects=0)
    assert refused.status == 403
    assert stack.request("GET", f"/api/monitors/{monitor['id']}", key=stack.key)[1]["paused"] \
        is False


def test_a_form_without_its_csrf_token_is_refused(world):
    stack = world["stack"]
    monitor = create(stack, "/api/monitors", {"name": "Guarded", "type": "Website",
                                              "url": "https://guarded.example.com/"})
    page = new_page(world)
    sign_in(page, cli_link(stack))
    for form in ({}, {"csrf": "forged"}):
        refused = page.request.post(f"{stack.base_url}/monitors/{monitor['id']}/pause",
                                    form=form, max_redirects=0)
        assert refused.status == 403
    assert stack.request("GET", f"/api/monitors/{monitor['id']}", key=stack.key)[1]["paused"] \
        is False


def test_another_accounts_ids_are_404_pages(world):
    stack = world["stack"]
    made = subprocess.run([sys.executable, "-c", SECOND_ACCOUNT, str(stack.data_dir)],
                          cwd=REPO_ROOT, env=stack.env(), text=True, capture_output=True,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    other_key = made.stdout.strip().splitlines()[-1]
    theirs = stack.request("POST", "/api/monitors", key=other_key, body={
        "name": "Theirs", "type": "Website", "url": "https://theirs.example.com/"})[1]
    their_incident = stack.request("POST", "/api/incidents", key=other_key,
                                   body={"title": "Their outage"})[1]
    page = new_page(world)
    sign_in(page, cli_link(stack))
    for path in (f"/monitors/{theirs['id']}", f"/monitors/{theirs['id']}/edit",
                 f"/incidents/{their_incident['id']}"):
        response = page.goto(stack.base_url + path)
        assert response.status == 404, path
        assert page.get_by_role("heading", name="Not found").is_visible()
        assert "Their" not in page.content()


def page_paths(state):
    paths = {"overview": "/", "new-monitor": "/monitors/new", "incidents": "/incidents",
             "alerting": "/alerting", "status-pages": "/status-pages",
             "maintenance": "/maintenance", "teams": "/teams", "reports": "/reports",
             "api-keys": "/settings/keys", "account": "/account", "session": "/session",
             "members": "/settings/members", "profile": "/settings/profile"}
    if "monitor" in state:
        paths["monitor"] = f"/monitors/{state['monitor']}"
        paths["edit-monitor"] = f"/monitors/{state['monitor']}/edit"
        paths["delete-monitor"] = f"/monitors/{state['monitor']}/delete"
    if "incident" in state:
        paths["incident"] = f"/incidents/{state['incident']}"
    if "channel" in state:
        paths["channel"] = f"/alerting/channels/{state['channel']}"
    paths["new-policy"] = "/alerting/policies/new"
    for name, path in (("status-page", "/status-pages"), ("maintenance-window", "/maintenance"),
                       ("team", "/teams"), ("policy", "/alerting/policies")):
        if name in state:
            paths[name] = f"{path}/{state[name]}"
            paths[f"delete-{name}"] = f"{path}/{state[name]}/delete"
    return paths


def seed_edit_pages(stack, state) -> None:
    """One status page, maintenance window, team and escalation policy, for their pages."""
    if "team" in state:
        return
    monitors = [{"monitorId": state["monitor"]}] if "monitor" in state else []
    state["status-page"] = create(stack, "/api/status-pages", {
        "name": "Acme status", "slug": "acme-status", "components": monitors})["id"]
    state["maintenance-window"] = create(stack, "/api/maintenance-windows", {
        "name": "Backups", "weekdays": ["Sat"], "startTime": "02:30", "durationMinutes": 60,
        "allMonitors": True})["id"]
    state["team"] = create(stack, "/api/teams", {"name": "Ops", "members": [
        {"email": "ann@example.com", "role": "Admin"}]})["id"]
    state["policy"] = create(stack, "/api/escalation-policies", {
        "name": "Wake someone", "levels": [{"delayMinutes": 0, "teamIds": [state["team"]]}]})["id"]


def serious_violations(page) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")   # past the CSP, like an extension
    found = page.evaluate("""async () => (await axe.run(document)).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))""")
    return found


@pytest.mark.parametrize("width,label", [(1280, "desktop"), (390, "390")])
def test_every_page_passes_axe_and_is_photographed(world, width, label):
    stack = world["stack"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(world, width)
    page.goto(f"{stack.base_url}/signin")
    problems = {"sign-in": serious_violations(page)}
    page.screenshot(path=str(SHOTS / f"sign-in-{label}.png"), full_page=True)
    sign_in(page, cli_link(stack))
    seed_edit_pages(stack, world["state"])
    for name, path in page_paths(world["state"]).items():
        response = page.goto(stack.base_url + path)
        assert response.status == 200, (path, response.status)
        if name == "monitor":
            page.wait_for_selector(".chart canvas")
        problems[name] = serious_violations(page)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        if width == 390:   # nothing wider than the screen but what scrolls on purpose (tables)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= 390, (path, overflow)
    assert {k: v for k, v in problems.items() if v} == {}
    assert page.problems == [], page.problems
