"""The public status page in a real browser (Debian's Chromium through Playwright) against the
real local stack: two monitors, one up and one down, their bars and statuses, no console errors,
and the subscribe form reaching a real SMTP server. Leaves a screenshot in test-artifacts/."""
import re
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import LocalStack, REPO_ROOT, create, wait_until
from targets import HttpTarget, SmtpSink

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
SCREENSHOT = REPO_ROOT / "test-artifacts" / "status-page.png"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make deps` installs Debian's chromium.", pytrace=False)
    target, smtp = HttpTarget().start(), SmtpSink()
    stack = LocalStack(tmp_path_factory.mktemp("status") / "data",
                       env={"ENORI_SMTP_URL": smtp.url}).start()
    yield stack, target, smtp
    stack.stop()
    target.stop()
    smtp.stop()


def status_of(stack, monitor_id):
    return stack.request("GET", f"/api/monitors/{monitor_id}", key=stack.key)[1]["status"]


def test_the_status_page_shows_bars_and_status_and_takes_a_subscription(world):
    from playwright.sync_api import sync_playwright

    stack, target, smtp = world
    dead = HttpTarget().start()
    dead_url = dead.url
    dead.stop()  # a port nothing listens on: that monitor goes down
    shop = create(stack, "/api/monitors", {"name": "Shop", "type": "Website", "url": target.url,
                                           "failureThreshold": 1, "regions": ["UsEast"]})
    blog = create(stack, "/api/monitors", {"name": "Blog", "type": "Website", "url": dead_url,
                                           "failureThreshold": 1, "regions": ["UsEast"]})
    for monitor in (shop, blog):
        time.sleep(1.1)  # each check-now is its own slot
        assert stack.request("POST", f"/api/monitors/{monitor['id']}/check",
                             key=stack.key)[0] == 202
    assert wait_until(lambda: status_of(stack, shop["id"]) == "Up"
                      and status_of(stack, blog["id"]) == "Down", 60), stack.output[-3000:]
    create(stack, "/api/status-pages", {
        "name": "Acme Status", "slug": "acme-browser", "description": "Shop and blog",
        "components": [{"monitorId": shop["id"], "displayName": "Web shop", "group": "Core"},
                       {"monitorId": blog["id"], "displayName": "Blog"}]})

    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            response = page.goto(f"{stack.base_url}/status/acme-browser")
            assert response.status == 200
            components = page.locator("li.component")
            assert components.count() == 2
            for index in range(2):
                assert components.nth(index).locator(".bar").count() == 90
            assert page.locator(".overall h2").inner_text() == "Partial outage"
            assert components.nth(0).locator(".status").inner_text() == "Up"
            assert components.nth(1).locator(".status").inner_text() == "Down"
            assert page.locator(".bar").first.get_attribute("aria-label").startswith("Web shop, ")
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            page.fill("input[type=email]", "visitor@example.com")
            with page.expect_navigation():
                page.click("button[type=submit]")
            assert "Check your inbox" in page.locator("h1").inner_text()
        finally:
            browser.close()
    assert errors == []
    assert wait_until(lambda: any("Confirm your subscription" in s for s in smtp.subjects()), 30)
    assert SCREENSHOT.stat().st_size > 0

    # Confirm through the emailed link; then the Shop goes down and the subscriber hears of it.
    link = re.search(r"http://127\.0\.0\.1:\d+/api/public/subscriptions/[^/\s]+/confirm",
                     smtp.bodies()[-1]).group(0)
    with urllib.request.urlopen(link, timeout=30) as confirmed:
        assert confirmed.status == 200
    target.stop()
    time.sleep(1.1)
    assert stack.request("POST", f"/api/monitors/{shop['id']}/check", key=stack.key)[0] == 202
    assert wait_until(lambda: any(s.startswith("[Acme Status]") for s in smtp.subjects()), 60), \
        stack.output[-3000:]
    notice = next(i for i, s in enumerate(smtp.subjects()) if s.startswith("[Acme Status]"))
    assert smtp.messages[notice][0] == ["visitor@example.com"]
    assert "/unsubscribe" in smtp.bodies()[notice]
