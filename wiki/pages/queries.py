"""Read-side queries for the wiki views: recent changes, links, tags, history, talk.

Every list loads what its template shows in a fixed number of queries (no N+1).
"""
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from .. import permissions
from ..extensions import db
from ..models import Comment, Event, Link, Page, Product, Revision, Tag, page_tags
from ..products.services import get_product  # noqa: F401 (the one product lookup)

# event kinds shown in recent changes, and the names of the filter
RECENT_TYPES = {
    "created": ("page.created",),
    "edited": ("page.edited", "page.tagged"),
    "reverted": ("page.reverted",),
    "comments": ("comment.created",),
    # deleted pages' events show only to moderators (below); a restore shows to everyone
    "deletions": ("page.deleted", "page.restored"),
}
RECENT_KINDS = tuple(kind for kinds in RECENT_TYPES.values() for kind in kinds)
# change types common enough that walking the events newest first finds a page of them at once;
# the rare ones (reverts, deletions) are better found through ix_events_kind
COMMON_TYPES = (None, "created", "edited", "comments")


def recent_changes(user, kind=None, product=None, change_type=None):
    """A select of change events, newest first, filtered by page kind, product and change type."""
    kinds = RECENT_TYPES.get(change_type, RECENT_KINDS)
    # Without ANALYZE statistics (most SQLite files) the planner takes ix_events_kind for an IN
    # list that matches nearly every event, then sorts them all. ``kind || ''`` keeps that index
    # out of the choice, so the events are read newest first from ix_events_created_at (or
    # ix_events_product_created) and the scan stops after one page.
    kind_column = Event.kind if change_type not in COMMON_TYPES else Event.kind + ""
    stmt = (select(Event).join(Page, Page.id == Event.page_id)
            .where(kind_column.in_(kinds), Event.public.is_(True))
            .options(joinedload(Event.actor), joinedload(Event.page).selectinload(Page.proposal),
                     joinedload(Event.revision).load_only(
                         Revision.id, Revision.number, Revision.summary, Revision.hidden,
                         Revision.size_delta, Revision.reverted_to),
                     joinedload(Event.comment).load_only(Comment.id, Comment.hidden,
                                                         Comment.parent_id))
            .order_by(Event.created_at.desc(), Event.id.desc()))
    if not permissions.can_see_hidden(user):
        stmt = stmt.where(Page.deleted.is_(False))
    if kind:
        stmt = stmt.where(Page.kind == kind)
    if product is not None:
        stmt = stmt.where(Event.product_id == product.id)
    return stmt


def history(page):
    return (select(Revision).where(Revision.page_id == page.id)
            .options(joinedload(Revision.author),
                     load_only(Revision.id, Revision.number, Revision.summary, Revision.hidden,
                               Revision.size, Revision.size_delta, Revision.created_at,
                               Revision.reverted_to, Revision.author_id, Revision.page_id,
                               Revision.hidden_reason))
            .order_by(Revision.number.desc()))


# what the page view shows, loaded with the page in two statements instead of one each
FOR_VIEW = (joinedload(Page.current_revision).joinedload(Revision.author),
            joinedload(Page.proposal), selectinload(Page.tags))


def link_titles_stmt(page, limit=100):
    return (select(Page.slug, Page.title).join(Link, Link.from_page_id == Page.id)
            .where(Link.to_slug == page.slug, Page.deleted.is_(False), Page.id != page.id)
            .order_by(Page.title).limit(limit))


def link_titles(page, limit=100):
    """``[(slug, title)]`` of the live pages linking here, by title (the page view's aside)."""
    return list(db.session.execute(link_titles_stmt(page, limit)))


def links_here(page, limit=100):
    return list(db.session.scalars(
        select(Page).join(Link, Link.from_page_id == Page.id)
        .where(Link.to_slug == page.slug, Page.deleted.is_(False), Page.id != page.id)
        .options(selectinload(Page.tags), selectinload(Page.proposal))
        .order_by(Page.title).limit(limit)))


def talk_threads(page):
    """A select of the top-level comments, newest thread last, with replies and authors loaded."""
    return (select(Comment).where(Comment.page_id == page.id, Comment.parent_id.is_(None))
            .options(joinedload(Comment.author),
                     selectinload(Comment.replies).joinedload(Comment.author))
            .order_by(Comment.created_at, Comment.id))


def tagged_pages(tag_name):
    return (select(Page).join(page_tags, page_tags.c.page_id == Page.id)
            .join(Tag, Tag.id == page_tags.c.tag_id)
            .where(Tag.name == tag_name, Page.deleted.is_(False))
            .options(selectinload(Page.tags), selectinload(Page.proposal))
            .order_by(Page.updated_at.desc(), Page.id.desc()))


def tag_counts():
    """``[(name, count)]`` of every tag on visible pages, by name."""
    return list(db.session.execute(
        select(Tag.name, func.count(Page.id)).join(page_tags, page_tags.c.tag_id == Tag.id)
        .join(Page, Page.id == page_tags.c.page_id).where(Page.deleted.is_(False))
        .group_by(Tag.name).order_by(Tag.name)))


def products():
    return list(db.session.scalars(select(Product).order_by(Product.name)))

