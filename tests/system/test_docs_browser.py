"""/docs in a real browser against the real local stack: Scalar's explorer, served by the app
itself, renders the generated document, with every request outside the stack blocked (offline).
Leaves a screenshot in test-artifacts/."""
from browser import chromium_page
from conftest import REPO_ROOT

SCREENSHOT = REPO_ROOT / "test-artifacts" / "api-docs.png"


def test_the_explorer_lists_the_monitor_operations_offline(local_stack):
    outside, errors = [], []

    def only_this_origin(route):
        if route.request.url.startswith(local_stack.base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with chromium_page() as page:
        page.route("**/*", only_this_origin)
        page.on("pageerror", lambda error: errors.append(str(error)))
        response = page.goto(f"{local_stack.base_url}/docs")
        assert response.status == 200
        # The sidebar lists one group per tag; opening "Monitors" shows its operations.
        page.get_by_text("Monitors", exact=True).first.click(timeout=60_000)
        page.get_by_text("List Monitors").first.wait_for(state="visible", timeout=30_000)
        assert page.get_by_text("/api/monitors", exact=True).count() > 0
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
    assert outside == [], f"the explorer reached outside the stack: {outside}"
    assert errors == [], errors
