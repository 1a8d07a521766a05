"""The rules for products: admins create and edit them; the hub lists what is written about them."""
from flask import abort
from sqlalchemy import func, select

from .. import events, permissions
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import Page, Product, Tag, page_tags
from ..text import has_control_chars, slugify

MAX_NAME = 120
RESERVED_SLUGS = {"new"}  # /products/new is the create form
MAX_DESCRIPTION = 5000
SORTS = {
    "new": (Page.created_at.desc(), Page.id.desc()),
    "updated": (Page.updated_at.desc(), Page.id.desc()),
    "title": (Page.title.asc(), Page.id.asc()),
    "score": ((Page.votes_up - Page.votes_down).desc(), Page.updated_at.desc(), Page.id.desc()),
}


def get_product(slug):
    """The product with this slug, or None (also for an empty slug). Every area looks products
    up through here."""
    if not slug:
        return None
    return db.session.scalar(select(Product).where(Product.slug == slug))


def get_product_or_404(slug):
    product = get_product(slug)
    if product is None:
        abort(404)
    return product


def _clean(name, description):
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "A product needs a name."})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"A name has at most {MAX_NAME} characters."})
    if has_control_chars(name) or not slugify(name, max_length=80):
        raise ValidationError({"name": "A name needs letters or digits and no control characters."})
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": f"A description has at most {MAX_DESCRIPTION} characters."})
    if has_control_chars(description):
        raise ValidationError({"description": "A description cannot contain control characters."})
    return name, description


def _name_taken(name, exclude=None):
    stmt = select(Product.id).where(func.lower(Product.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(Product.id != exclude.id)
    return db.session.scalar(stmt) is not None


def create_product(actor, name, description=""):
    if not permissions.can_admin(actor):
        abort(403)
    name, description = _clean(name, description)
    slug = slugify(name, max_length=80)
    if slug in RESERVED_SLUGS:
        raise ValidationError({"name": f"“{name}” is reserved; choose another name."})
    if _name_taken(name) or get_product(slug) is not None:
        raise Conflict({"name": "A product with that name exists already."})
    product = Product(slug=slug, name=name, description=description)
    db.session.add(product)
    db.session.flush()
    events.record("product.created", actor, product=product)
    db.session.commit()
    return product


def update_product(actor, product, name, description=""):
    """Rename or describe a product; its slug (and so its address) stays the same."""
    if not permissions.can_admin(actor):
        abort(403)
    name, description = _clean(name, description)
    if _name_taken(name, exclude=product):
        raise Conflict({"name": "Another product has that name."})
    if (name, description) == (product.name, product.description):
        return product
    product.name, product.description = name, description
    events.record("product.updated", actor, product=product)
    db.session.commit()
    return product


def product_pages(product, kind, sort="new"):
    """A select of the product's visible pages of one kind, in the chosen order."""
    from sqlalchemy.orm import selectinload

    order = SORTS.get(sort, SORTS["new"])
    # what the hub's list shows: tags and a proposal's status (``page.proposal`` is asked of
    # every kind, so it is loaded for every kind)
    shown = [selectinload(Page.tags), selectinload(Page.proposal)]
    return (select(Page).where(Page.product_id == product.id, Page.kind == kind,
                               Page.deleted.is_(False))
            .options(*shown).order_by(*order))


def product_tags(product, limit=30):
    """``[(name, count)]`` of the tags on the product's pages, most used first."""
    rows = db.session.execute(
        select(Tag.name, func.count(Page.id)).join(page_tags, page_tags.c.tag_id == Tag.id)
        .join(Page, Page.id == page_tags.c.page_id)
        .where(Page.product_id == product.id, Page.deleted.is_(False))
        .group_by(Tag.name).order_by(func.count(Page.id).desc(), Tag.name).limit(limit))
    return [(name, count) for name, count in rows]


def page_counts_stmt():
    """``(product_id, live pages)`` rows, read from ix_pages_product_deleted alone."""
    return (select(Page.product_id, func.count())
            .where(Page.product_id.is_not(None), Page.deleted.is_(False))
            .group_by(Page.product_id))


def products_with_counts():
    """``[(product, page_count)]`` ordered by name, in two queries."""
    counts = dict(db.session.execute(page_counts_stmt()).all())
    return [(product, counts.get(product.id, 0)) for product in
            db.session.scalars(select(Product).order_by(Product.name))]


def popular_products(limit=5):
    """The products with the most pages."""
    return sorted(products_with_counts(), key=lambda row: (-row[1], row[0].name))[:limit]
