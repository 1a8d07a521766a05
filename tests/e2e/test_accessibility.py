"""Main screens at desktop and phone widths: screenshots as artifacts, axe-core finds nothing serious,
the layout fits 375 px, and the keyboard reaches the controls."""
from pathlib import Path

import pytest

from .conftest import log_in, screenshot

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

# (name, path, who) — screens added here are checked at both widths
SCREENS = [
    ("home", "/", None),
    ("login", "/auth/login", None),
    ("register", "/auth/register", None),
    ("people", "/people/", None),
    ("account", "/account/", "alice"),
    ("products", "/products/", None),
    ("product-hub", "/products/acme-phone-x", None),
    ("page", "/wiki/acme-phone-x-battery-life-review", None),
    ("page-member", "/wiki/acme-phone-x-battery-life-review", "alice"),
    ("proposal", "/wiki/dark-mode-for-acme-phone-x", "alice"),
    ("proposal-triage", "/wiki/export-to-csv-for-acme-phone-x", "ivan"),
    ("history", "/wiki/keyboard-shortcuts-for-acme-cloud-drive/history", None),
    ("diff", "/wiki/keyboard-shortcuts-for-acme-cloud-drive/diff?to=4", None),
    ("talk", "/wiki/best-support-settings-for-acme-cloud-drive/talk", "alice"),
    ("edit", "/wiki/acme-phone-x-battery-life-review/edit", "alice"),
    ("new-proposal", "/new?kind=proposal&product=acme-phone-x", "alice"),
    ("proposals", "/proposals/", "alice"),
    ("triage-queue", "/triage/", "ivan"),
    ("roadmap", "/roadmap", None),
    ("recent", "/recent", None),
    ("notifications", "/notifications/", "alice"),
    ("moderation", "/moderation/", "mona"),
]


def serious_violations(page):
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width,label", [(1280, "desktop"), (375, "phone")])
@pytest.mark.parametrize("name,path,who", SCREENS)
def test_screen(new_page, name, path, who, width, label):
    page = new_page(width=width)
    if who:
        log_in(page, who)
    response = page.goto(path)
    assert response.status < 400
    screenshot(page, f"{name}-{label}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{path} is {overflow}px wider than a {width}px screen"
    assert serious_violations(page) == []
    assert not page.watcher.console_errors


def test_keyboard_reaches_the_header_controls(page):
    page.goto("/")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.textContent.trim() || document.activeElement.name"))
    assert "Skip to content" in seen
    assert "Log in" in seen and "Join" in seen
