"""Writing pages in a browser: an edit shows up in the diff, and two people editing the same
lines at once lose nothing."""
import re

from playwright.sync_api import expect

from .conftest import create_page, unique


def edit(page, address, body, summary):
    page.goto(address + "/edit")
    page.get_by_label("Text", exact=True).fill(body)
    page.get_by_label("Edit summary").fill(summary)
    page.get_by_role("button", name="Save").click()


def test_edit_a_page_then_see_the_changed_words_in_the_diff(new_page):
    page = new_page(user="alice")
    title = unique("Diff journey")
    address = create_page(page, title, "The quick brown fox jumps over the lazy dog.\n\nSecond paragraph stays.")

    edit(page, address, "The quick red fox jumps over the lazy dog.\n\nSecond paragraph stays.", "Recolour the fox")
    expect(page).to_have_url(re.compile(re.escape(address) + "$"))
    expect(page.locator(".wiki-body")).to_contain_text("The quick red fox")

    page.get_by_role("navigation", name="Page").get_by_role("link", name="History").click()
    row = page.locator("tr#r2")
    expect(row).to_contain_text("Recolour the fox")
    expect(row).to_contain_text("alice")
    page.get_by_role("button", name="Compare selected revisions").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Changes to {title}")
    expect(page.locator("del.diff-word")).to_have_text("brown")
    expect(page.locator("ins.diff-word")).to_have_text("red")
    # only the changed line is marked; the untouched paragraph is context
    expect(page.locator("tr.diff-change")).to_have_count(1)
    assert page.locator("ins.diff-word").evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_two_browsers_edit_the_same_lines_and_the_second_keeps_both_texts(new_page):
    alice, bob = new_page(user="alice"), new_page(user="bob")
    title = unique("Conflict journey")
    address = create_page(alice, title, "Opening line.\n\nThe shared sentence.\n\nClosing line.")

    # both open the editor on revision 1
    alice.goto(address + "/edit")
    bob.goto(address + "/edit")
    alice.get_by_label("Text", exact=True).fill(
        "Opening line.\n\nThe shared sentence, as Alice tells it.\n\nClosing line.")
    alice.get_by_label("Edit summary").fill("Alice's take")
    alice.get_by_role("button", name="Save").click()
    expect(alice.locator(".wiki-body")).to_contain_text("as Alice tells it")

    bob_text = "Opening line.\n\nThe shared sentence, in Bob's words.\n\nClosing line."
    bob.get_by_label("Text", exact=True).fill(bob_text)
    bob.get_by_label("Edit summary").fill("Bob's take")
    bob.get_by_role("button", name="Save").click()

    # Bob is told, and nothing of his is lost: his text is still in his box, hers beside it
    expect(bob.get_by_role("heading", level=1)).to_contain_text("Edit conflict on")
    expect(bob.get_by_role("alert")).to_contain_text("Nothing is lost")
    expect(bob.get_by_label("Current text, read only")).to_have_value(re.compile("as Alice tells it"))
    mine = bob.get_by_label("Text", exact=True)
    expect(mine).to_have_value(re.compile("in Bob's words"))

    theirs = bob.get_by_label("Current text, read only").input_value()
    resolved = theirs.replace("The shared sentence, as Alice tells it.",
                              "The shared sentence, as Alice tells it.\n\nAnd in Bob's words: it matters.")
    mine.fill(resolved)
    bob.get_by_role("button", name="Save my resolved version").click()

    expect(bob).to_have_url(re.compile(re.escape(address) + "$"))
    body = bob.locator(".wiki-body")
    expect(body).to_contain_text("as Alice tells it")
    expect(body).to_contain_text("And in Bob's words: it matters.")
    expect(body).to_contain_text("Opening line.")
    expect(body).to_contain_text("Closing line.")

    # Alice reloads and sees both; the history has all three revisions
    alice.goto(address + "/history")
    expect(alice.locator("table.history tbody tr")).to_have_count(3)
    alice.goto(address)
    expect(alice.locator(".wiki-body")).to_contain_text("And in Bob's words")
