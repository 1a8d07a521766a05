"""Queries for the proposals board."""
from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager, selectinload

from ..errors import ValidationError
from ..extensions import db
from ..models import STATUSES, Page, Product, ProposalState, Tag, Vote
from ..products.services import get_product
from ..text import slugify
from ..votes.ranking import clean_sort, order_for


def board(sort="hot", product=None, status=None, tag=None, voter=None):
    """A select of live proposals, filtered and ordered (``sort``: hot, top or new).

    ``voter`` keeps only the proposals that user voted on ("ones I voted on").
    """
    stmt = (select(Page).join(ProposalState, ProposalState.page_id == Page.id)
            .where(Page.kind == "proposal", Page.deleted.is_(False))
            .options(contains_eager(Page.proposal), selectinload(Page.tags)))
    if product is not None:
        stmt = stmt.where(Page.product_id == product.id)
    if status:
        stmt = stmt.where(ProposalState.status == status)
    if tag:
        stmt = stmt.where(Page.tags.any(Tag.name == tag))
    if voter is not None:
        stmt = stmt.where(exists().where(Vote.page_id == Page.id, Vote.user_id == voter.id))
    return stmt.order_by(*order_for(clean_sort(sort)))


def parse_filters(args):
    """Read the board's query arguments: ``{"sort", "product", "status", "tag", "mine"}``.
    An unknown status is a 400, an unknown product a 404; an unknown sort falls back to hot."""
    status = (args.get("status") or "").strip() or None
    if status is not None and status not in STATUSES:
        raise ValidationError({"status": f"Unknown status {status!r}; choose one of "
                                         f"{', '.join(STATUSES)}."})
    product = None
    product_slug = (args.get("product") or "").strip()
    if product_slug:
        product = get_product(product_slug)
        if product is None:
            raise ValidationError({"product": "There is no such product."}, status_code=404)
    tag = slugify(args.get("tag") or "", max_length=40) or None
    return {"sort": clean_sort(args.get("sort")), "product": product, "status": status, "tag": tag,
            "mine": args.get("mine") in ("1", "on", "true")}


def products():
    return db.session.scalars(select(Product).order_by(Product.name)).all()
