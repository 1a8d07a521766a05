"""The events each Atom feed shows: public only, nothing hidden, nothing on deleted pages."""
from flask import abort
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased, selectinload

from ..errors import ValidationError
from ..extensions import db
from ..models import (
    STATUSES,
    Comment,
    Event,
    Page,
    ProposalState,
    Revision,
    Tag,
    page_tags,
)
from ..pages.services import get_page_or_404
from ..products.services import get_product_or_404 as product_or_404

FEED_SIZE = 50
CONTENT_KINDS = ("page.created", "page.edited", "page.reverted", "page.restored",
                 "comment.created", "proposal.status", "proposal.response", "proposal.merged",
                 "proposal.unmerged")


def visible_events():
    """Public events on live pages whose revision and comment (if any) are not hidden."""
    revision, comment = aliased(Revision), aliased(Comment)
    return (select(Event).join(Page, Page.id == Event.page_id)
            .outerjoin(revision, revision.id == Event.revision_id)
            .outerjoin(comment, comment.id == Event.comment_id)
            # ``kind || ''``: the IN list matches nearly every event; without ANALYZE statistics
            # SQLite would read them all through ix_events_kind and sort, instead of walking
            # ix_events_created_at newest first and stopping after a feed's worth
            .where(Event.public.is_(True), Page.deleted.is_(False),
                   (Event.kind + "").in_(CONTENT_KINDS),
                   or_(Event.revision_id.is_(None), revision.hidden.is_(False)),
                   or_(Event.comment_id.is_(None), comment.hidden.is_(False)))
            .options(selectinload(Event.page), selectinload(Event.revision),
                     selectinload(Event.actor), selectinload(Event.comment)))


def _newest(stmt, limit=FEED_SIZE):
    return list(db.session.scalars(stmt.order_by(Event.created_at.desc(), Event.id.desc()).limit(limit)))


def recent():
    return _newest(visible_events())


def for_product(product):
    return _newest(visible_events().where(Page.product_id == product.id))


def tag_or_404(name):
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        abort(404)
    return tag


def for_tag(tag):
    tagged = exists().where(and_(page_tags.c.page_id == Page.id, page_tags.c.tag_id == tag.id))
    return _newest(visible_events().where(tagged))


def for_proposals(status=None, product_slug=None):
    """Proposal events, filtered by the proposals' current status and product."""
    stmt = visible_events().where(Page.kind == "proposal")
    if status:
        if status not in STATUSES:
            raise ValidationError({"status": f"Unknown status; choose one of {', '.join(STATUSES)}."})
        stmt = stmt.join(ProposalState, ProposalState.page_id == Page.id).where(
            ProposalState.status == status)
    product = None
    if product_slug:
        product = product_or_404(product_slug)
        stmt = stmt.where(Page.product_id == product.id)
    return _newest(stmt), product


def page_or_404(slug):
    """Deleted pages have no feed, for moderators neither (a feed reader is nobody in particular)."""
    return get_page_or_404(slug, allow_deleted=False)


def page_history(page):
    """The page's revisions as events (created, edited, reverted), newest first."""
    return _newest(visible_events().where(Event.page_id == page.id, Event.revision_id.is_not(None)))
