"""Finding things: similar proposals while typing a new one's title, and search with a filter."""
import re

from playwright.sync_api import expect

from .conftest import RECORD_BUSY, unique


def test_create_a_proposal_after_seeing_similar_ones_while_typing(new_page):
    page = new_page(user="alice")
    page.goto("/new?kind=proposal&product=acme-phone-x")
    similar = page.locator(".similar-proposals")
    expect(similar).to_be_hidden()
    page.evaluate(RECORD_BUSY)

    page.get_by_label("Title").press_sequentially("Dark mode everywhere", delay=20)
    expect(similar).to_be_visible()
    expect(similar.get_by_role("heading", name="Similar proposals")).to_be_visible()
    match = similar.get_by_role("link", name="Dark mode for Acme Phone X")
    expect(match).to_be_visible()
    expect(similar).to_contain_text("planned")
    expect(similar).not_to_have_attribute("aria-busy", "true")
    assert page.evaluate("window.__busySeen") is True

    # a title with nothing like it hides the box again
    page.get_by_label("Title").fill("Zqxv wplk")
    expect(similar).to_be_hidden()

    # the customer goes on and writes a different proposal
    title = unique("Dark mode schedule")
    page.get_by_label("Title").fill(title)
    expect(page.get_by_label("Kind")).to_have_value("proposal")
    expect(page.get_by_label("Product")).to_have_value("acme-phone-x")
    page.get_by_label("Text", exact=True).fill("Switch to dark mode at sunset, automatically.")
    page.get_by_role("button", name="Save page").click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page.locator(".proposal-state .status-badge")).to_have_text("New")
    expect(page.locator(".page-meta")).to_contain_text("Acme Phone X")
    page.goto("/proposals/?sort=new")
    expect(page.locator(".board-row").first).to_contain_text(title)


def test_search_with_a_filter_then_open_a_result(new_page):
    page = new_page()
    page.goto("/")
    header_search = page.get_by_role("search").get_by_label("Search")
    header_search.fill("battery")
    header_search.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=battery"))
    results = page.locator(".search-result")
    expect(results.first).to_be_visible()
    kinds = ({k.strip() for k in page.locator(".search-result .kind").all_text_contents()})
    assert len(kinds) > 1, kinds  # reviews, recommendations and proposals all mention batteries

    page.get_by_label("Kind").select_option("review")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"kind=review"))
    expect(results.first).to_be_visible()
    assert ({k.strip() for k in page.locator(".search-result .kind").all_text_contents()}) == {"Review"}
    expect(page.get_by_label("Kind")).to_have_value("review")
    expect(page.get_by_label("Words")).to_have_value("battery")

    first = results.first.get_by_role("link")
    title = first.inner_text()
    assert "battery" in (title + results.first.inner_text()).lower()
    first.click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page.locator(".page-meta")).to_contain_text("review", ignore_case=True)
