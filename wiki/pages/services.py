"""The rules for pages and revisions. Views and the API call these; each commits once.

This is the contract other areas build on:
  create_page(actor, title, kind, body, product=None, summary="", tags=()) -> Page
  edit_page(actor, page, body, summary="", base_revision=None, tags=None) -> Revision | None
      (the revision's ``merged`` attribute is True when a stale edit was merged three-way;
      overlapping edits raise EditConflict)
  revert_page(actor, page, number) -> Revision | None
  add_comment(actor, page, body, parent=None) -> Comment
  visible_revision(page, user) / get_page(slug) / get_page_or_404(slug)
"""
from flask import abort, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .. import events, permissions
from ..database import atomic, begin_write, reading
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import (KINDS, PRODUCT_KINDS, Comment, Page, ProposalState, Revision, Tag,
                      utcnow)
from ..text import has_control_chars, has_surrogates, slugify
from .diffing import merge3
from .links import LinkingPages, links_still_hold, render_source, set_links

MAX_TITLE = 200
MAX_SUMMARY = 300
MAX_TAGS = 10


class EditConflict(Conflict):
    """Someone saved the page after the author started, touching the same lines. Carries what a
    conflict page needs: the current revision number, its text, and the author's own text."""

    def __init__(self, current_revision, theirs, mine):
        super().__init__({"_": "Someone else changed the same part of this page since you started "
                               "editing. Your text is kept below: merge it and save again."})
        self.current_revision = current_revision
        self.theirs = theirs
        self.mine = mine
        self.extra = {"current_revision": current_revision}


def get_page(slug, options=()):
    return db.session.scalar(select(Page).where(Page.slug == slug).options(*options))


def get_page_or_404(slug, *, allow_deleted=None, user=None, options=()):
    """The page, or 404. Deleted pages are 404 except for moderators (or when asked for).
    ``options`` are loader options for what the caller will show (e.g. ``queries.FOR_VIEW``)."""
    page = get_page(slug, options)
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
    if has_surrogates(body):
        raise ValidationError({"body": "The text contains broken Unicode (a lone surrogate)."})
    limit = current_app.config["MAX_BODY_BYTES"]
    if len(body.encode("utf-8")) > limit:
        raise ValidationError({"body": f"The text is larger than {limit // 1024} KB."}, status_code=413)
    if "\x00" in body:
        raise ValidationError({"body": "The text contains a NUL character."})
    return body.replace("\r\n", "\n").replace("\r", "\n")


def clean_summary(summary):
    summary = " ".join((summary or "").split())
    if len(summary) > MAX_SUMMARY:
        raise ValidationError({"summary": f"An edit summary has at most {MAX_SUMMARY} characters."})
    if has_control_chars(summary):
        raise ValidationError({"summary": "An edit summary cannot contain control characters."})
    return summary


@atomic
def create_page(actor, title, kind, body, product=None, summary="", tags=()):
    """Create a page with its first revision. The title's availability is looked up and the
    Markdown rendered before the write transaction; under the write lock the title is claimed
    (a unique slug) and the rendering made again only if a linked page came or went meanwhile."""
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
    summary = clean_summary(summary) or "Created the page"
    slug = slugify(title)
    taken = Conflict({"title": "A page with that title exists already."})
    with reading():
        if get_page(slug) is not None:
            raise taken
        seen = {slug: True}  # a link to its own title is blue: the page exists once saved
        rendered = render_source(body, seen)
        linking = LinkingPages.render(slug)
    begin_write()
    now = utcnow()
    page = Page(slug=slug, title=title, kind=kind, product=product, created_by_id=actor.id,
                created_at=now, updated_at=now)
    db.session.add(page)
    if kind == "proposal":
        page.proposal = ProposalState(status="new", status_changed_at=now, last_activity_at=now)
    try:
        db.session.flush()  # claims the slug (and makes it a page links find)
    except IntegrityError:  # someone created the same title a moment ago (atomic rolls back)
        raise taken from None
    if not links_still_hold(seen):
        rendered = render_source(body)
    set_tags(page, tags)
    revision = _add_revision(actor, page, body, summary, rendered=rendered)
    revision.merged = False
    linking.write(new_page=page)
    events.record("page.created", actor, page=page, revision=revision)
    db.session.commit()
    return page


def _lock(page):
    """Read the page's revision count and current revision (and whether it is hidden) again
    under a row lock (PostgreSQL), so concurrent saves number revisions one after the other;
    SQLite's BEGIN IMMEDIATE already serialises writers. A current revision loaded before and
    still current is kept (its text never changes), so nothing more is read for it."""
    current_id, count, hidden = db.session.execute(
        select(Page.current_revision_id, Page.revision_count, Revision.hidden)
        .outerjoin(Revision, Revision.id == Page.current_revision_id)
        .where(Page.id == page.id).with_for_update(of=Page)).one()
    loaded = page.__dict__.get("current_revision")
    if loaded is not None and loaded.id == current_id:
        set_committed_value(loaded, "hidden", hidden)
    else:
        db.session.expire(page, ["current_revision"])
    set_committed_value(page, "current_revision_id", current_id)
    set_committed_value(page, "revision_count", count)


def visible_revision(page, user):
    """The revision ``user`` may read: the current one, or for readers who cannot see hidden
    revisions, the latest one that is not hidden (None when every revision is hidden)."""
    current = page.current_revision
    if current is None or not current.hidden or permissions.can_see_hidden(user):
        return current
    return db.session.scalar(
        select(Revision).where(Revision.page_id == page.id, Revision.hidden.is_(False))
        .order_by(Revision.number.desc()).limit(1))


def get_revision(page, number):
    return db.session.scalar(select(Revision).where(Revision.page_id == page.id,
                                                    Revision.number == number))


@atomic
def edit_page(actor, page, body, summary="", base_revision=None, tags=None):
    """Save a new revision. Returns it, or None when neither the text nor the tags changed.

    ``base_revision`` is the number the author started from. When others saved since, edits that
    do not overlap are merged three-way (the returned revision has ``merged = True``); overlapping
    ones raise :class:`EditConflict`. Hidden revisions count only for those who can see them.

    The merge and the rendering are done before the write transaction (``_Draft``), so the write
    lock is not held while Markdown renders; under the lock the draft is checked against what
    it was made from and made again only if someone saved or a linked page came or went.
    """
    if not permissions.can_edit(actor, page):
        abort(403)
    body = check_body(body)
    summary = clean_summary(summary)
    with reading():
        draft = _Draft.make(actor, page, body, base_revision)
    begin_write()
    _lock(page)
    if not draft.still_holds(actor, page):
        draft = _Draft.make(actor, page, body, base_revision)
    tags_changed = tags is not None and _tag_names(tags) != [t.name for t in page.tags]
    if tags_changed:
        set_tags(page, tags)
    if draft.unchanged:
        if tags_changed:
            page.updated_at = utcnow()
            events.record("page.tagged", actor, page=page, data={"tags": [t.name for t in page.tags]})
            db.session.commit()
        return None
    if not draft.body.strip():
        raise ValidationError({"body": "A page cannot be emptied; write something."})
    revision = _add_revision(actor, page, draft.body, summary, rendered=draft.rendered)
    revision.merged = draft.merged
    events.record("page.edited", actor, page=page, revision=revision,
                  data={"merged": True} if draft.merged else None)
    db.session.commit()
    return revision


class _Draft:
    """The text an edit saves (merged three-way when others saved since the author's base) and
    its rendering, made from the revision the author sees, with which linked pages existed."""

    def __init__(self, theirs, body, merged):
        self.theirs_id = theirs.id if theirs is not None else None
        self.unchanged = theirs is not None and theirs.source == body
        self.body = body
        self.merged = merged
        self.seen = {}  # linked slug -> whether that page existed as this rendered
        empty = self.unchanged or not body.strip()
        self.rendered = None if empty else render_source(body, self.seen)

    @classmethod
    def make(cls, actor, page, body, base_revision):
        theirs = visible_revision(page, actor)
        merged = False
        if base_revision is not None and theirs is not None:
            unknown = {"base_revision": "The revision you started from is unknown."}
            try:
                base_number = int(base_revision)
            except (TypeError, ValueError):
                raise ValidationError(unknown) from None
            if base_number != theirs.number:
                base = get_revision(page, base_number)
                if base is None or base_number > theirs.number:
                    raise ValidationError(unknown)
                text, clean = merge3(base.source, body, theirs.source)
                if not clean:
                    raise EditConflict(theirs.number, theirs.source, body)
                merged = text != body
                body = check_body(text)
        return cls(theirs, body, merged)

    def still_holds(self, actor, page):
        """Under the write lock: the author still sees the same revision, and every linked page
        still exists or not as it did (one statement for all of them)."""
        theirs = visible_revision(page, actor)
        if (theirs.id if theirs is not None else None) != self.theirs_id:
            return False
        return links_still_hold(self.seen)


@atomic
def revert_page(actor, page, number):
    """Make a new revision equal to revision ``number``. None when the text is already that."""
    if not permissions.can_edit(actor, page):
        abort(403)
    _lock(page)
    target = get_revision(page, number)
    if target is None or (target.hidden and not permissions.can_see_hidden(actor)):
        raise ValidationError({"revision": f"There is no revision {number} to revert to."},
                              status_code=404)
    current = page.current_revision
    if current is not None and current.source == target.source:
        return None
    revision = _add_revision(actor, page, target.source, f"Reverted to revision {target.number}")
    revision.reverted_to = target.number
    revision.merged = False
    events.record("page.reverted", actor, page=page, revision=revision,
                  data={"reverted_to": target.number})
    db.session.commit()
    return revision


MAX_COMMENT_BYTES = 20000


@atomic
def add_comment(actor, page, body, parent=None):
    """A talk comment (Markdown, sanitized like pages). Replies to a reply join its thread, so
    threads stay one level deep."""
    if not permissions.can_comment(actor, page):
        abort(403)
    body = check_body(body)
    if len(body.encode("utf-8")) > MAX_COMMENT_BYTES:
        raise ValidationError({"body": f"A comment has at most {MAX_COMMENT_BYTES // 1000} KB."},
                              status_code=413)
    if not body.strip():
        raise ValidationError({"body": "Write a comment first."})
    if parent is not None:
        if parent.page_id != page.id:
            raise ValidationError({"parent": "You can only reply to a comment on this page."})
        if parent.parent_id is not None:
            parent = parent.parent
    html, _links = render_source(body)
    comment = Comment(page=page, parent=parent, author_id=actor.id, source=body, html=html,
                      created_at=utcnow())
    db.session.add(comment)
    page.comment_count = Page.comment_count + 1  # in SQL, so concurrent comments all count
    db.session.flush()
    events.record("comment.created", actor, page=page, comment=comment)
    db.session.commit()
    return comment


def _add_revision(actor, page, body, summary, rendered=None):
    html, links = rendered or render_source(body)
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
    set_links(page, links)
    return revision


def _tag_names(names):
    if isinstance(names, str):
        names = names.split(",")
    cleaned = []
    for name in names or ():
        if len(str(name).strip()) > 40:
            raise ValidationError({"tags": "A tag has at most 40 characters."})
        tag = slugify(str(name), max_length=40)
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return sorted(cleaned)


def set_tags(page, names):
    """Set a page's tags from names (a list, or one comma-separated string)."""
    cleaned = _tag_names(names)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": f"A page has at most {MAX_TAGS} tags."})
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(cleaned)))}
    page.tags = [existing.get(name) or Tag(name=name) for name in cleaned]
