"""Lead customers: the score formula, its recomputation and the CLI command."""
from wiki.extensions import db
from wiki.models import Vote
from wiki.pages.services import edit_page
from wiki.people import lead
from wiki.triage import services
from wiki.votes.accounting import recount_page


def vote(user, page, value=1):
    db.session.add(Vote(user_id=user.id, page_id=page.id, value=value))
    db.session.flush()
    recount_page(page.id)
    db.session.commit()


def test_score_formula(make_user, make_page, make_proposal, moderator):
    leader = make_user("leader")
    fan1, fan2, critic = make_user("fan1"), make_user("fan2"), make_user("critic")
    planned = make_proposal("Planned idea", author=leader)
    shipped = make_proposal("Shipped idea", author=leader)
    make_proposal("Ignored idea", author=leader)
    for status in ("under_review", "planned"):
        services.change_status(moderator, planned, status)
    for status in ("under_review", "planned", "in_progress", "shipped"):
        services.change_status(moderator, shipped, status)
    review = make_page("Honest review", kind="review", author=leader)
    vote(fan1, review)
    vote(fan2, review)
    vote(critic, review, -1)   # not helpful: does not count
    vote(leader, review)       # their own vote: does not count
    vote(fan1, planned)
    # edits: one kept (someone edited after), one reverted, one nobody has built on yet
    article = make_page("Shared article", author=fan1)
    edit_page(leader, article, "Leader's kept edit")
    edit_page(fan2, article, "Fan builds on it")
    other = make_page("Other article", author=fan1)
    edit_page(leader, other, "Leader's edit that gets reverted")
    revert = edit_page(fan2, other, "Text about Other article.")
    revert.reverted_to = 1
    db.session.commit()
    third = make_page("Third article", author=fan1)
    edit_page(leader, third, "Latest edit, nobody after")
    result = lead.breakdown(leader.id)
    assert result == {"planned": 1, "shipped": 1, "helpful_votes": 3, "kept_edits": 1,
                      "score": 10 + 20 + 3 + 2}


def test_hidden_and_first_revisions_do_not_count(make_user, make_page):
    writer, other = make_user("writer"), make_user("other1")
    page = make_page("Writer page", author=writer)   # revision 1: creating is not an edit
    edit_page(other, page, "Other edits")
    assert lead.kept_edits(writer.id) == 0
    rev = edit_page(writer, page, "Writer edits")
    edit_page(other, page, "Other again")
    assert lead.kept_edits(writer.id) == 1
    rev.hidden = True
    db.session.commit()
    assert lead.kept_edits(writer.id) == 0


def test_status_change_updates_author_score(make_user, make_proposal, moderator):
    author = make_user("author2")
    page = make_proposal("Good idea", author=author)
    services.change_status(moderator, page, "under_review")
    services.change_status(moderator, page, "planned")
    db.session.refresh(author)
    assert author.lead_score == 10
    services.change_status(moderator, page, "declined")
    db.session.refresh(author)
    assert author.lead_score == 0


def test_cli_recomputes_everyone(runner, make_user, make_page):
    writer, fan = make_user("writer"), make_user("fan1")
    page = make_page("Nice review", kind="review", author=writer)
    vote(fan, page)
    assert writer.lead_score == 0
    result = runner.invoke(args=["people", "lead-scores"])
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output
    db.session.expire_all()
    assert writer.lead_score == 1


def test_people_sorted_by_lead(client, make_user):
    low, high = make_user("lowscore"), make_user("highscore")
    high.lead_score = 40
    low.lead_score = 3
    db.session.commit()
    html = client.get("/people/?sort=lead").get_data(as_text=True)
    assert html.index("highscore") < html.index("lowscore")

