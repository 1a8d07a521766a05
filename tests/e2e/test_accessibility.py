"""Main screens at desktop and phone widths: screenshots as artifacts, axe-core finds nothing serious,
the layout fits 375 px, and the keyboard reaches every control, in order, each with a name."""
from pathlib import Path

import pytest

from .conftest import Watcher, screenshot

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

# (name, path, who) — screens added here are checked at both widths
SCREENS = [
    ("home", "/", None),
    ("home-member", "/", "alice"),
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
    ("search", "/search?q=battery&kind=review", None),
    ("search-empty", "/search?q=zqxvwplk", None),
    ("recent", "/recent", None),
    ("notifications", "/notifications/", "alice"),
    ("moderation", "/moderation/", "mona"),
]

# Every control the Tab key should stop at, in document order, with its accessible name
# (a plain approximation of the accessible-name rules: enough to catch an unnamed control).
FOCUSABLE = """() => {
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), ' +
    'select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  const seenRadio = new Set();
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})) continue;
    if (el.type === 'radio') {  // one stop per radio group
      if (seenRadio.has(el.name)) continue;
      seenRadio.add(el.name);
    }
    out.push(window.__describe(el));
  }
  return out;
}"""
DESCRIBE = """() => { window.__describe = (el) => {
  const text = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  let name = text(el.getAttribute('aria-label'));
  if (!name && el.getAttribute('aria-labelledby')) {
    name = text(el.getAttribute('aria-labelledby').split(' ')
      .map(id => (document.getElementById(id) || {}).textContent).join(' '));
  }
  if (!name && el.labels && el.labels.length) name = text(el.labels[0].textContent);
  if (!name && ['A', 'BUTTON', 'SUMMARY'].includes(el.tagName)) name = text(el.textContent);
  if (!name) name = text(el.getAttribute('title'));
  return {tag: el.tagName.toLowerCase(), id: el.id, name: name,
          key: el.tagName + '|' + (el.id || '') + '|' + (el.getAttribute('href') || '') + '|' +
               text(el.textContent).slice(0, 40) + '|' + (el.name || '')};
}; }"""


@pytest.fixture(scope="module")
def user_context(browser, server, login_states):
    """One browser context per demo user for the whole module: the screens only read."""
    contexts = {}

    def _context(who):
        if who not in contexts:
            options = {"storage_state": login_states(who)} if who else {}
            contexts[who] = browser.new_context(base_url=server, **options)
        return contexts[who]

    yield _context
    for context in contexts.values():
        context.close()


@pytest.fixture
def open_screen(user_context, server):
    pages = []

    def _open(who, width, height=900):
        page = user_context(who).new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.set_default_timeout(10000)
        page.watcher = Watcher(page, server)
        pages.append(page)
        return page

    yield _open
    for page in pages:
        page.close()


def serious_violations(page):
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("name,path,who", SCREENS, ids=[s[0] for s in SCREENS])
def test_screen(open_screen, name, path, who):
    page = open_screen(who, 1280)
    response = page.goto(path)
    assert response.status < 400
    for width, label in ((1280, "desktop"), (375, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{name}-{label}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than a {width}px screen"
        assert serious_violations(page) == [], label
    assert page.locator("h1").count() == 1, "one main heading per screen"
    assert not page.watcher.console_errors


def tab_walk(page, limit=200):
    """Press Tab until focus leaves the document or comes round again; the elements it stopped at."""
    page.evaluate(DESCRIBE)
    stops = []
    # start from the top of the document, whatever has focus (autofocus, say)
    page.evaluate("() => { document.body.tabIndex = -1; document.body.focus();"
                  " document.body.removeAttribute('tabindex'); }")
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = page.evaluate("(a => !a || a === document.body ? null : window.__describe(a))"
                             "(document.activeElement)")
        if here is None or (stops and here["key"] == stops[0]["key"]):
            break
        stops.append(here)
    return stops


@pytest.mark.parametrize("path,who", [
    ("/", None),
    ("/wiki/dark-mode-for-acme-phone-x", "alice"),
    ("/new?kind=proposal&product=acme-phone-x", "alice"),
    ("/proposals/?product=acme-buds", "bob"),
])
def test_keyboard_reaches_every_control_in_order(open_screen, path, who):
    page = open_screen(who, 1280)
    page.goto(path)
    page.evaluate(DESCRIBE)
    expected = page.evaluate(FOCUSABLE)
    stops = tab_walk(page)
    assert [s["key"] for s in stops] == [e["key"] for e in expected]
    unnamed = [s for s in stops if not s["name"]]
    assert unnamed == []
    assert stops[0]["name"] == "Skip to content"


def test_keyboard_opens_the_skip_link_and_header_controls(open_screen):
    page = open_screen(None, 1280)
    page.goto("/")
    names = [s["name"] for s in tab_walk(page, limit=12)]
    assert names[0] == "Skip to content"
    assert "Log in" in names and "Join" in names and "Search" in names
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
