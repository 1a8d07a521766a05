"""The triage queue's queries: filters, sorts, counts per status, votes per segment, Wilson
score and suggested duplicates. Each list is a handful of queries, never one per row."""
import math
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import selectinload

from ..database import Pagination
from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    STATUSES,
    Page,
    Product,
    ProposalState,
    Segment,
    Tag,
    User,
    Vote,
    page_tags,
)

SORTS = {"attention": "Needs attention", "votes": "Votes", "wilson": "Wilson score",
         "age": "Oldest", "activity": "Last activity"}


@dataclass
class Filters:
    product: str = ""
    status: str = "open"  # open | all | one status
    assignee: str = ""  # username | "none"
    segment: str = ""  # segment slug: proposals supported by that segment
    tag: str = ""
    lead: bool = False
    sort: str = "attention"
    errors: list = field(default_factory=list)

    @classmethod
    def from_args(cls, args):
        f = cls(product=args.get("product", "").strip(), status=args.get("status", "open").strip(),
                assignee=args.get("assignee", "").strip(), segment=args.get("segment", "").strip(),
                tag=args.get("tag", "").strip(), lead=args.get("lead") in ("1", "on", "true"),
                sort=args.get("sort", "attention").strip())
        if f.status not in ("open", "all", *STATUSES):
            f.errors.append(f"Unknown status {f.status!r}; showing open proposals.")
            f.status = "open"
        if f.sort not in SORTS:
            f.errors.append(f"Unknown sort {f.sort!r}; sorted by what needs attention.")
            f.sort = "attention"
        return f


def wilson_lower_bound(up, down, z=1.96):
    """The lower bound of the Wilson score interval for the share of support votes (95%)."""
    n = up + down
    if n == 0:
        return 0.0
    phat = up / n
    return ((phat + z * z / (2 * n) - z * math.sqrt((phat * (1 - phat) + z * z / (4 * n)) / n))
            / (1 + z * z / n))


def _filtered(filters, *, with_status=True):
    stmt = (select(Page).join(ProposalState, ProposalState.page_id == Page.id)
            .where(Page.kind == "proposal", Page.deleted.is_(False))
            .options(selectinload(Page.proposal), selectinload(Page.created_by)))
    if filters.product:
        stmt = stmt.join(Product, Product.id == Page.product_id).where(Product.slug == filters.product)
    if with_status:
        if filters.status == "open":
            stmt = stmt.where(ProposalState.status.in_(OPEN_STATUSES))
        elif filters.status != "all":
            stmt = stmt.where(ProposalState.status == filters.status)
    if filters.assignee == "none":
        stmt = stmt.where(ProposalState.assignee_id.is_(None))
    elif filters.assignee:
        stmt = stmt.where(ProposalState.assignee_id.in_(
            select(User.id).where(User.username_key == filters.assignee.casefold())))
    if filters.tag:
        stmt = stmt.where(exists().where(page_tags.c.page_id == Page.id,
                                         page_tags.c.tag_id == Tag.id, Tag.name == filters.tag))
    if filters.segment:
        stmt = stmt.where(exists().where(Vote.page_id == Page.id, Vote.value == 1,
                                         Vote.user_id == User.id, User.segment_id == Segment.id,
                                         Segment.slug == filters.segment))
    if filters.lead:
        threshold = current_app.config.get("LEAD_CUSTOMER_MIN_SCORE", 10)
        stmt = stmt.where(Page.created_by_id.in_(
            select(User.id).where(User.lead_score >= threshold)))
    return stmt


def queue(filters, page=1, per_page=20):
    """A Pagination of proposal pages for the queue."""
    stmt = _filtered(filters)
    if filters.sort == "wilson":
        rows = db.session.execute(stmt.with_only_columns(Page.id, Page.votes_up, Page.votes_down,
                                                         Page.created_at)).all()
        rows.sort(key=lambda r: (-wilson_lower_bound(r.votes_up, r.votes_down), r.created_at, r.id))
        ids = [r.id for r in rows[(page - 1) * per_page: page * per_page]]
        pages = {p.id: p for p in db.session.scalars(select(Page).where(Page.id.in_(ids)))} if ids else {}
        return Pagination([pages[i] for i in ids], page, per_page, len(rows))
    order = {
        "attention": (case((ProposalState.status == "new", 0), else_=1),
                      case((ProposalState.response_at.is_(None), 0), else_=1),
                      Page.created_at, Page.id),
        "votes": ((Page.votes_up - Page.votes_down).desc(), Page.votes_up.desc(), Page.created_at),
        "age": (Page.created_at, Page.id),
        "activity": (ProposalState.last_activity_at.desc(), Page.id.desc()),
    }[filters.sort]
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.session.scalars(stmt.order_by(*order).limit(per_page)
                               .offset((page - 1) * per_page)).unique().all()
    return Pagination(items, page, per_page, total or 0)


def counts_per_status(filters):
    """``{status: n}`` for every status under the other filters (0 where none)."""
    stmt = _filtered(filters, with_status=False)
    rows = db.session.execute(stmt.with_only_columns(ProposalState.status, func.count(Page.id))
                              .group_by(ProposalState.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in rows})
    return counts


def votes_by_segment(page_ids):
    """``{page_id: [{"segment", "name", "up", "down"}, ...]}`` for all pages in ONE grouped
    query; every configured segment appears (with zeros), plus "No segment" when it has votes."""
    page_ids = list(page_ids)
    segments = db.session.scalars(select(Segment).order_by(Segment.position, Segment.name)).all()
    result = {pid: {s.id: {"segment": s.slug, "name": s.name, "up": 0, "down": 0} for s in segments}
              for pid in page_ids}
    if not page_ids:
        return {}
    rows = db.session.execute(
        select(Vote.page_id, User.segment_id,
               func.sum(case((Vote.value == 1, 1), else_=0)),
               func.sum(case((Vote.value == -1, 1), else_=0)))
        .join(User, User.id == Vote.user_id)
        .where(Vote.page_id.in_(page_ids), User.banned.is_(False))
        .group_by(Vote.page_id, User.segment_id)).all()
    for page_id, segment_id, up, down in rows:
        bucket = result[page_id].setdefault(
            segment_id, {"segment": "", "name": "No segment", "up": 0, "down": 0})
        bucket["up"], bucket["down"] = int(up or 0), int(down or 0)
    return {pid: list(buckets.values()) for pid, buckets in result.items()}


def suggested_duplicates(page, limit=3):
    """Similar proposals from the search area, or [] when search is missing or fails."""
    try:
        from ..search.services import similar_proposals

        found = similar_proposals(page.title, exclude_page_id=page.id, limit=limit) or []
        return [item for item in found if _slug_of(item) and _slug_of(item) != page.slug][:limit]
    except Exception:
        current_app.logger.debug("similar_proposals unavailable", exc_info=True)
        return []


def _slug_of(item):
    return item.get("slug") if isinstance(item, dict) else getattr(item, "slug", None)


def _title_of(item):
    return item.get("title") if isinstance(item, dict) else getattr(item, "title", "")


def suggestion_links(page, limit=3):
    return [{"slug": _slug_of(i), "title": _title_of(i) or _slug_of(i)}
            for i in suggested_duplicates(page, limit)]
