"""/docs in a real browser against the real local stack: Scalar's explorer, served by the app
itself, renders the generated document, with every request outside the stack blocked (offline),
at /docs and at /docs/ alike, and shows no button or link to an outside service. Leaves
screenshots in test-artifacts/."""
import pytest

from browser import chromium_page
from conftest import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"
# Scalar's buttons that reach its own services (its hosted client, MCP generator, AI agent).
OUTSIDE_BUTTONS = ("Generate MCP", "Connect MCP", "Ask AI", "Open API Client", "Open in",
                   "Powered by Scalar")


@pytest.mark.parametrize("path, screenshot", [("/docs", "api-docs.png"),
                                              ("/docs/", "api-docs-slash.png")])
def test_the_explorer_lists_the_monitor_operations_offline(local_stack, path, screenshot):
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
        response = page.goto(f"{local_stack.base_url}{path}")
        assert response.status == 200
        # The sidebar lists one group per tag; opening "Monitors" shows its operations.
        page.get_by_text("Monitors", exact=True).first.click(timeout=60_000)
        page.get_by_text("List Monitors").first.wait_for(state="visible", timeout=30_000)
        assert page.get_by_text("/api/monitors", exact=True).count() > 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / screenshot))
        assert visible_outside_controls(page, local_stack.base_url) == []
        # The request examples and "Test Request" go to this server only.
        assert "https://api.enori.io" not in page.content()
        page.get_by_text("Test Request").first.click()
        page.get_by_role("dialog").first.wait_for(state="visible", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / screenshot.replace(".png", "-client.png")))
        assert visible_outside_controls(page, local_stack.base_url) == []
        assert "https://api.enori.io" not in page.content()
    assert outside == [], f"the explorer reached outside the stack: {outside}"
    assert errors == [], errors


def visible_outside_controls(page, base_url: str) -> list[str]:
    """Visible links to another origin, and visible buttons of Scalar's own services."""
    links = page.eval_on_selector_all(
        "a[href]", "(links) => links.filter(a => a.offsetParent !== null).map(a => a.href)")
    found = [f"link {href}" for href in links
             if href.startswith(("http:", "https:")) and not href.startswith(base_url)]
    for text in OUTSIDE_BUTTONS:
        shown = page.get_by_text(text).filter(visible=True)
        found += [f"button {text!r}"] * shown.count()
    return found
