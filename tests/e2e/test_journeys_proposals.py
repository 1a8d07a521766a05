"""Proposals in a browser: voting in place, triage to the roadmap, and the voter told about it."""
import re

from playwright.sync_api import expect

from .conftest import RECORD_BUSY, create_page, unique


def propose(new_page, prefix):
    author = new_page(user="carol")
    title = unique(prefix)
    address = create_page(author, title, f"Proposal: {title}. It would help everyone.",
                          kind="proposal", product="acme-phone-x", tags="idea")
    return title, address


def unread_count(page):
    label = page.locator(".notif-link").get_attribute("aria-label")
    return int(re.search(r"(\d+) unread", label).group(1))


def test_vote_in_place_changes_the_count_without_a_reload(new_page):
    title, address = propose(new_page, "Vote journey")
    page = new_page(user="dave")
    page.goto(address)
    widget = page.locator(".page-votes [data-vote-widget]")
    support = widget.get_by_role("button", name=re.compile("Support"))
    expect(support).to_have_attribute("aria-pressed", "false")
    expect(support.locator("[data-count=up]")).to_have_text("0")

    page.evaluate("window.__stillHere = 'same document'")
    page.evaluate(RECORD_BUSY)
    support.click()

    expect(support.locator("[data-count=up]")).to_have_text("1")
    expect(support).to_have_attribute("aria-pressed", "true")
    expect(widget.locator(".vote-status")).to_have_text("Your vote: support.")
    expect(widget).not_to_have_attribute("aria-busy", "true")
    assert page.evaluate("window.__stillHere") == "same document"  # no navigation happened
    assert page.evaluate("window.__busySeen") is True  # the widget showed progress meanwhile

    # a second click withdraws, still in place
    support.click()
    expect(support.locator("[data-count=up]")).to_have_text("0")
    expect(support).to_have_attribute("aria-pressed", "false")
    expect(widget.locator(".vote-status")).to_have_text("Your vote was withdrawn.")
    assert page.evaluate("window.__stillHere") == "same document"

    # the vote is on the server: the board shows it after a fresh load
    support.click()
    expect(support.locator("[data-count=up]")).to_have_text("1")
    page.goto("/proposals/?sort=new")
    row = page.locator(".board-row", has_text=title)
    expect(row.locator("[data-count=up]")).to_have_text("1")
    expect(row.get_by_role("button", name=re.compile("Support"))).to_have_attribute("aria-pressed", "true")
    assert not page.watcher.console_errors


def test_triage_to_planned_shows_on_the_roadmap_and_the_voter_is_told(new_page):
    title, address = propose(new_page, "Triage journey")
    voter = new_page(user="dave")
    voter.goto(address)
    voter.locator(".page-votes").get_by_role("button", name=re.compile("Support")).click()
    expect(voter.locator(".page-votes [data-count=up]")).to_have_text("1")
    voter.goto("/")
    before = unread_count(voter)

    ivan = new_page(user="ivan")
    ivan.goto(address)
    panel = ivan.locator(".triage-panel")
    for target, shown in (("under_review", "Under review"), ("planned", "Planned")):
        panel.get_by_label("Change status").select_option(target)
        panel.get_by_label("Note (shown in the history)").fill(f"Moving to {shown.lower()}.")
        panel.get_by_role("button", name="Change status").click()
        expect(ivan.locator(".proposal-state .status-badge").first).to_have_text(shown)
    expect(ivan.locator(".status-timeline")).to_contain_text("Moving to planned.")

    ivan.goto("/roadmap")
    planned = ivan.locator("section.roadmap-column[data-status=planned]")
    card = planned.locator(".roadmap-card", has_text=title)
    expect(card).to_be_visible()
    expect(card.locator(".status-badge")).to_have_text("Planned")
    card.get_by_role("link", name=title).click()
    expect(ivan).to_have_url(re.compile(re.escape(address) + "$"))

    # the voter: the header counts the news, and the notifications page says what happened
    voter.goto("/")
    assert unread_count(voter) == before + 2
    expect(voter.locator(".notif-link .badge")).to_have_text(str(before + 2))
    voter.locator(".notif-link").click()
    expect(voter.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    news = voter.locator(".notif.unread", has_text=title)
    expect(news).to_have_count(2)
    expect(news.filter(has_text="to planned")).to_contain_text(f"ivan changed the status of “{title}” to planned")
    news.filter(has_text="to planned").get_by_role("link").click()
    expect(voter).to_have_url(re.compile(re.escape(address)))
    expect(voter.locator(".proposal-state")).to_contain_text("Planned")
