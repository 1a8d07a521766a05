"""Register, log in, choose a segment — in a real browser."""
import re

from playwright.sync_api import expect

from .conftest import log_in


def test_register_then_log_in_again(page):
    page.goto("/auth/register")
    page.get_by_label("Username").fill("browser_user")
    page.get_by_label("Password", exact=True).fill("a-browser-password")
    page.get_by_label("Repeat password").fill("a-browser-password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_text("Welcome, browser_user")).to_be_visible()
    page.get_by_label("Customer segment").select_option(label="Technology optimist")
    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_text("Your customer segment is saved.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    log_in(page, "browser_user", "a-browser-password")
    page.goto("/people/browser_user")
    expect(page.get_by_text("Technology optimist")).to_be_visible()


def test_wrong_password_shows_an_error(page):
    page.goto("/auth/login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("do not match")).to_be_visible()
