"""Which proposals the roadmap shows, per column."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Page, Product, ProposalState, utcnow
from ..products.services import get_product

COLUMNS = (("planned", "Planned"), ("in_progress", "In progress"), ("shipped", "Recently shipped"))
PER_COLUMN = 50


def columns(product=None):
    """``[(status, label, [pages])]``: planned and in progress by votes, shipped newest first
    (only those shipped in the last ROADMAP_SHIPPED_DAYS days)."""
    days = current_app.config.get("ROADMAP_SHIPPED_DAYS", 90)
    result = []
    for status, label in COLUMNS:
        stmt = (select(Page).join(ProposalState, ProposalState.page_id == Page.id)
                .where(Page.kind == "proposal", Page.deleted.is_(False),
                       ProposalState.status == status)
                .options(selectinload(Page.proposal)))
        if product is not None:
            stmt = stmt.where(Page.product_id == product.id)
        if status == "shipped":
            stmt = stmt.where(ProposalState.status_changed_at >= utcnow() - timedelta(days=days))
            stmt = stmt.order_by(ProposalState.status_changed_at.desc(), Page.id.desc())
        else:
            stmt = stmt.order_by((Page.votes_up - Page.votes_down).desc(), Page.created_at)
        result.append((status, label, db.session.scalars(stmt.limit(PER_COLUMN)).unique().all()))
    return result


def product_by_slug(slug):
    return get_product(slug)


def products():
    return db.session.scalars(select(Product).order_by(Product.name)).all()
