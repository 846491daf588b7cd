"""Debian's Chromium (/usr/bin/chromium, installed by `make deps`) driven by Playwright; its
own browser download is never used.

    with chromium_page() as page:
        page.goto(stack.base_url + "/docs")
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


@contextmanager
def chromium_page(width: int = 1280, height: int = 900) -> Iterator:
    """A fresh page in a headless Chromium, closed afterwards."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make deps` installs Debian's chromium.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()
