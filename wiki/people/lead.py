"""Lead customers: a score per user from contributions that *others* valued.

    lead score = 10 × proposals they wrote that are planned or in progress
               + 20 × proposals they wrote that shipped
               +  1 × support/helpful (+1) votes from other users on pages they created
               +  2 × edits they made that were kept

An edit is a revision (number 2 or more, not hidden) on any page; it is *kept* when the page
has since got at least one revision by someone else and none of the next ``KEPT_WINDOW``
revisions reverted the page to a revision older than the edit. Votes by banned users and
votes on deleted pages do not count. The score is stored in ``User.lead_score``, recomputed
when a proposal's status changes (and after merges), and for everyone by
``flask people lead-scores``.
"""
import click
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Page, ProposalState, Revision, User, Vote

POINTS = {"planned": 10, "shipped": 20, "helpful_vote": 1, "kept_edit": 2}
KEPT_WINDOW = 3
PLANNED = ("planned", "in_progress")


def breakdown(user_id):
    """``{"planned": n, "shipped": n, "helpful_votes": n, "kept_edits": n, "score": n}``."""
    status_rows = db.session.execute(
        select(ProposalState.status, func.count())
        .join(Page, Page.id == ProposalState.page_id)
        .where(Page.created_by_id == user_id, Page.deleted.is_(False),
               ProposalState.status.in_((*PLANNED, "shipped")))
        .group_by(ProposalState.status)).all()
    by_status = dict(status_rows)
    planned = sum(by_status.get(s, 0) for s in PLANNED)
    shipped = by_status.get("shipped", 0)
    voter = aliased(User)
    helpful = db.session.scalar(
        select(func.count(Vote.id))
        .join(Page, Page.id == Vote.page_id)
        .join(voter, voter.id == Vote.user_id)
        .where(Page.created_by_id == user_id, Page.deleted.is_(False), Vote.value == 1,
               Vote.user_id != user_id, voter.banned.is_(False))) or 0
    kept = kept_edits(user_id)
    score = (planned * POINTS["planned"] + shipped * POINTS["shipped"]
             + helpful * POINTS["helpful_vote"] + kept * POINTS["kept_edit"])
    return {"planned": planned, "shipped": shipped, "helpful_votes": helpful, "kept_edits": kept,
            "score": score}


def kept_edits(user_id):
    page_ids = select(Revision.page_id).where(Revision.author_id == user_id,
                                              Revision.number >= 2).distinct()
    rows = db.session.execute(
        select(Revision.page_id, Revision.number, Revision.author_id, Revision.reverted_to,
               Revision.hidden)
        .join(Page, Page.id == Revision.page_id)
        .where(Revision.page_id.in_(page_ids), Page.deleted.is_(False))
        .order_by(Revision.page_id, Revision.number)).all()
    by_page = {}
    for row in rows:
        by_page.setdefault(row.page_id, []).append(row)
    kept = 0
    for revisions in by_page.values():
        for index, rev in enumerate(revisions):
            if rev.author_id != user_id or rev.number < 2 or rev.hidden:
                continue
            later = revisions[index + 1:]
            if not any(r.author_id != user_id for r in later):
                continue  # nobody else has built on it yet
            window = later[:KEPT_WINDOW]
            if any(r.reverted_to is not None and r.reverted_to < rev.number for r in window):
                continue
            kept += 1
    return kept


def recompute(user):
    """Store the user's score (in the caller's transaction) and return the breakdown."""
    result = breakdown(user.id)
    user.lead_score = result["score"]
    return result


def recompute_all():
    """Recompute every user's score; returns how many changed. Commits."""
    changed = 0
    for user in db.session.scalars(select(User).order_by(User.id)):
        old = user.lead_score
        if recompute(user)["score"] != old:
            changed += 1
    db.session.commit()
    return changed


def on_event(event):
    """Event subscriber: a proposal's status decides part of its author's score."""
    if event.kind not in ("proposal.status", "proposal.merged", "proposal.unmerged"):
        return
    page = event.page
    if page is None or page.created_by_id is None:
        return
    author = db.session.get(User, page.created_by_id)
    if author is not None:
        db.session.flush()
        recompute(author)


def is_lead(user, config):
    return user is not None and user.lead_score >= config.get("LEAD_CUSTOMER_MIN_SCORE", 10)


@click.command("lead-scores")
@with_appcontext
def lead_scores_command():
    """Recompute every user's lead-customer score."""
    from ..database import begin_write

    begin_write()
    changed = recompute_all()
    click.echo(f"Lead scores recomputed; {changed} changed.")


def register_cli(app):
    """Add ``flask people lead-scores`` (to the people group, creating it when needed)."""
    group = app.cli.commands.get("people")
    if group is None:
        group = click.Group("people", help="People and lead customers.")
        app.cli.add_command(group)
    group.add_command(lead_scores_command)
