"""The rules for pages and revisions. Views and the API call these; each commits once.

This is the contract other areas build on:
  create_page(actor, title, kind, body, product=None, summary="", tags=()) -> Page
  edit_page(actor, page, body, summary="", base_revision=None) -> Revision | None
  get_page(slug) / get_page_or_404(slug)
"""
from flask import abort, current_app
from sqlalchemy import select

from .. import events, permissions
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import KINDS, PRODUCT_KINDS, Page, ProposalState, Revision, Tag, utcnow
from ..rendering import RenderError, render
from ..text import has_control_chars, slugify

MAX_TITLE = 200
MAX_SUMMARY = 300


def get_page(slug):
    return db.session.scalar(select(Page).where(Page.slug == slug))


def get_page_or_404(slug, *, allow_deleted=None, user=None):
    """The page, or 404. Deleted pages are 404 except for moderators (or when asked for)."""
    page = get_page(slug)
    if page is None:
        abort(404)
    if page.deleted:
        if allow_deleted is None:
            from flask_login import current_user

            allow_deleted = permissions.can_see_hidden(user or current_user)
        if not allow_deleted:
            abort(404)
    return page


def clean_title(title):
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "A title is required."})
    if len(title) > MAX_TITLE:
        raise ValidationError({"title": f"A title has at most {MAX_TITLE} characters."})
    if has_control_chars(title) or "\x00" in title:
        raise ValidationError({"title": "A title cannot contain control characters."})
    if "/" in title or "\\" in title:
        raise ValidationError({"title": "A title cannot contain / or \\."})
    if not slugify(title):
        raise ValidationError({"title": "A title needs at least one letter or digit."})
    return title


def check_body(body):
    body = body or ""
    limit = current_app.config["MAX_BODY_BYTES"]
    if len(body.encode("utf-8")) > limit:
        raise ValidationError({"body": f"The text is larger than {limit // 1024} KB."}, status_code=413)
    if "\x00" in body:
        raise ValidationError({"body": "The text contains a NUL character."})
    return body


def render_source(source):
    try:
        return render(source, exists=lambda slug: get_page(slug) is not None,
                      nesting_limit=current_app.config["MAX_MARKDOWN_NESTING"])
    except RenderError as error:
        raise ValidationError({"body": str(error)}) from error


def clean_summary(summary):
    summary = " ".join((summary or "").split())
    if len(summary) > MAX_SUMMARY:
        raise ValidationError({"summary": f"An edit summary has at most {MAX_SUMMARY} characters."})
    if has_control_chars(summary):
        raise ValidationError({"summary": "An edit summary cannot contain control characters."})
    return summary


def create_page(actor, title, kind, body, product=None, summary="", tags=()):
    if not permissions.can_create(actor):
        abort(403)
    title = clean_title(title)
    if kind not in KINDS:
        raise ValidationError({"kind": f"Choose a kind: {', '.join(KINDS)}."})
    if kind in PRODUCT_KINDS and product is None:
        raise ValidationError({"product": f"A {kind} belongs to a product; choose one."})
    body = check_body(body)
    if not body.strip():
        raise ValidationError({"body": "Write something first."})
    slug = slugify(title)
    if get_page(slug) is not None:
        raise Conflict({"title": "A page with that title exists already."})
    now = utcnow()
    page = Page(slug=slug, title=title, kind=kind, product=product, created_by_id=actor.id,
                created_at=now, updated_at=now)
    db.session.add(page)
    if kind == "proposal":
        page.proposal = ProposalState(status="new", status_changed_at=now, last_activity_at=now)
    set_tags(page, tags)
    db.session.flush()
    revision = _add_revision(actor, page, body, clean_summary(summary) or "Created the page")
    events.record("page.created", actor, page=page, revision=revision)
    db.session.commit()
    return page


def edit_page(actor, page, body, summary="", base_revision=None):
    """Save a new revision. Returns it, or None when the text is unchanged."""
    if not permissions.can_edit(actor, page):
        abort(403)
    body = check_body(body)
    current = page.current_revision
    if base_revision is not None and current is not None and int(base_revision) != current.number:
        raise Conflict({"_": "Someone else saved this page since you started editing."})
    if current is not None and current.source == body:
        return None
    revision = _add_revision(actor, page, body, clean_summary(summary))
    events.record("page.edited", actor, page=page, revision=revision)
    db.session.commit()
    return revision


def _add_revision(actor, page, body, summary):
    html, _links = render_source(body)
    previous = page.current_revision
    number = page.revision_count + 1
    size = len(body.encode("utf-8"))
    revision = Revision(page=page, number=number, author_id=actor.id, source=body, html=html,
                        summary=summary, size=size,
                        size_delta=size - (previous.size if previous else 0))
    db.session.add(revision)
    db.session.flush()
    page.current_revision_id = revision.id
    page.revision_count = number
    page.updated_at = revision.created_at
    return revision


def set_tags(page, names):
    cleaned = []
    for name in names or ():
        if len(str(name).strip()) > 40:
            raise ValidationError({"tags": "A tag has at most 40 characters."})
        tag = slugify(str(name), max_length=40)
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > 10:
        raise ValidationError({"tags": "A page has at most 10 tags."})
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(cleaned)))}
    page.tags = [existing.get(name) or Tag(name=name) for name in cleaned]
