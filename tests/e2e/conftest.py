"""Browser journeys: a real server process on 127.0.0.1 and Debian's Chromium driven by Playwright.

Run with ``make e2e`` (it installs Chromium with apt-get when it is missing). Screenshots go to
``artifacts/screenshots/``.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
PASSWORD = "cowiki-demo-2026"  # the demo users' password (demo only)
# run in a page before an action: ``window.__busySeen`` turns true if anything shows aria-busy
RECORD_BUSY = """() => {
  window.__busySeen = false;
  new MutationObserver(() => {
    if (document.querySelector('[aria-busy=true]')) { window.__busySeen = true; }
  }).observe(document.body, {attributes: true, subtree: true, attributeFilter: ['aria-busy']});
}"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env, *args):
    subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app served by gunicorn from a fresh instance folder with the demo content."""
    instance = tmp_path_factory.mktemp("instance")
    port = _free_port()
    env = dict(os.environ, FLASK_APP="wsgi.py", COWIKI_INSTANCE_PATH=str(instance),
               SECRET_KEY="e2e-secret", RATELIMIT_ENABLED="false", PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    _flask(env, "setup")
    _flask(env, "seed-demo")
    with open(instance / "server.log", "wb") as log:  # the server keeps its own copy open
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "4", "--timeout", "60", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((instance / "server.log").read_text())
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("the server did not start: " + (instance / "server.log").read_text())
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}; `make e2e` installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watcher:
    """Collects what a page did that a test may want to rule out."""

    def __init__(self, page, base):
        self.dialogs, self.console_errors, self.foreign_requests = [], [], []
        page.on("dialog", self._dialog)
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))
        page.on("request", lambda req: (not req.url.startswith(base) and not req.url.startswith("data:"))
                and self.foreign_requests.append(req.url))

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture(scope="session")
def login_states(browser, server, tmp_path_factory):
    """``login_states(username)``: the path of a saved browser state logged in as that user (one
    log-in per user per run, so the journeys spend their time on what they test)."""
    folder, saved = tmp_path_factory.mktemp("logins"), {}

    def _state(username):
        if username not in saved:
            context = browser.new_context(base_url=server)
            log_in(context.new_page(), username)
            saved[username] = str(folder / f"{username}.json")
            context.storage_state(path=saved[username])
            context.close()
        return saved[username]

    return _state


@pytest.fixture
def new_page(browser, server, login_states):
    """``new_page(width=1280, user=None)`` opens a fresh browser context (its own cookies) and
    page; with ``user`` it starts logged in as that demo user."""
    contexts = []

    def _open(width=1280, height=900, user=None, **options):
        if user:
            options["storage_state"] = login_states(user)
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=server,
                                      **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10000)
        page.watcher = Watcher(page, server)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def log_in(page, username, password=PASSWORD):
    page.goto("/auth/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.locator(".user-menu").get_by_text(username).count() >= 1
    return page


def screenshot(page, name):
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def unique(prefix):
    """A title no other test (or earlier run against the same server) uses."""
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def create_page(page, title, body, kind="article", product=None, tags=""):
    """Write a new page through the /new form; returns its address (``/wiki/<slug>``)."""
    query = f"?kind={kind}" + (f"&product={product}" if product else "")
    page.goto("/new" + query)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind").select_option(kind)
    if product:
        page.get_by_label("Product").select_option(product)
    page.get_by_label("Text", exact=True).fill(body)
    if tags:
        page.get_by_label("Tags (optional)").fill(tags)
    page.get_by_role("button", name="Save page").click()
    page.wait_for_url("**/wiki/**")
    assert page.get_by_role("heading", level=1, name=title).is_visible()
    return page.url[page.url.index("/wiki/"):]
