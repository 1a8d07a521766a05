"""A moderator hides a revision; a customer can no longer read it anywhere in the browser."""
import re

from playwright.sync_api import expect

from .conftest import create_page, unique

SECRET = "Call-me-at-555-0199"
SECRET_SUMMARY = "Leaked-summary-7731"


def test_a_hidden_revision_is_gone_for_customers(new_page):
    alice = new_page(user="alice")
    title = unique("Moderation journey")
    address = create_page(alice, title, "Ordinary, useful text.")
    bob = new_page(user="bob")
    bob.goto(address + "/edit")
    bob.get_by_label("Text", exact=True).fill(f"Ordinary, useful text.\n\nPersonal details: {SECRET}")
    bob.get_by_label("Edit summary").fill(SECRET_SUMMARY)
    bob.get_by_role("button", name="Save").click()
    expect(bob.locator(".wiki-body")).to_contain_text(SECRET)

    mona = new_page(user="mona")
    mona.goto(address + "/history")
    row = mona.locator("tr#r2")
    row.locator("summary", has_text="Moderate").click()
    row.get_by_label("Reason").first.fill("Personal data")
    row.get_by_role("button", name="Hide revision").click()
    expect(mona.locator("tr#r2")).to_contain_text("hidden")
    # the moderator still sees the text, marked as hidden
    expect(mona.locator("tr#r2 .badge.danger")).to_have_text("hidden")
    mona.goto(address + "/revisions/2")
    expect(mona.locator(".wiki-body")).to_contain_text(SECRET)
    expect(mona.get_by_text("This revision is hidden from readers.")).to_be_visible()

    carol = new_page(user="carol")
    carol.goto(address)
    expect(carol.locator(".wiki-body")).to_contain_text("Ordinary, useful text.")
    expect(carol.locator("main")).not_to_contain_text(SECRET)

    carol.goto(address + "/history")
    hidden_row = carol.locator("tr#r2")
    expect(hidden_row).to_contain_text("hidden by a moderator")
    expect(hidden_row.get_by_role("link", name="#2")).to_have_count(0)
    expect(carol.locator("main")).not_to_contain_text(SECRET_SUMMARY)

    carol.goto(address + "/revisions/2")
    expect(carol.get_by_text("A moderator hid this revision.")).to_be_visible()
    expect(carol.locator("main")).not_to_contain_text(SECRET)
    expect(carol.locator("main")).not_to_contain_text(SECRET_SUMMARY)

    carol.goto(address + "/diff?from=1&to=2")
    expect(carol.get_by_text("was hidden by a moderator")).to_be_visible()
    expect(carol.locator("main")).not_to_contain_text(SECRET)

    # nor does it leak through recent changes, the page's feed or the edit form
    for path in ("/recent", address + "/history.atom", address + "/edit"):
        response = carol.request.get(path)
        assert response.ok, path
        text = response.text()
        assert SECRET not in text, path
        assert SECRET_SUMMARY not in text, path
    carol.goto(address + "/edit")
    expect(carol.get_by_label("Text", exact=True)).to_have_value(re.compile(r"^Ordinary, useful text\.\s*$"))
