"""Wiki links: rendering a text with red and blue links, the links table, and the pages whose
red links turn blue when their title becomes a page. ``pages.services`` uses these under and
around its write transactions."""
from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.util import identity_key

from ..errors import ValidationError
from ..extensions import db
from ..models import Link, Page, Revision
from ..rendering import RenderError, render

_links = Link.__table__


def render_source(source, seen=None):
    """``(html, linked slugs)``; ``seen``, when given, records whether each linked page existed."""
    exists = _page_exists
    if seen is not None:
        def exists(slug):
            if slug not in seen:
                seen[slug] = _page_exists(slug)
            return seen[slug]
    try:
        return render(source, exists=exists,
                      nesting_limit=current_app.config["MAX_MARKDOWN_NESTING"])
    except RenderError as error:
        raise ValidationError({"body": str(error)}) from error


def _page_exists(slug):
    page = db.session.scalar(select(Page.id).where(Page.slug == slug, Page.deleted.is_(False)))
    return page is not None


def links_still_hold(seen):
    """Whether every linked page in ``seen`` (slug -> existed when rendered) still exists or not
    as it did: one statement for all of them."""
    if not seen:
        return True
    existing = set(db.session.scalars(
        select(Page.slug).where(Page.slug.in_(seen), Page.deleted.is_(False))))
    return all(found == (slug in existing) for slug, found in seen.items())


def set_links(page, slugs):
    """Keep the link table equal to the wiki links of the page's current revision.

    On the table, not through the session: link rows are never loaded as objects, and an ORM
    delete first looks for them in the session (a save runs this under the write lock)."""
    db.session.execute(_links.delete().where(_links.c.from_page_id == page.id))
    rows = [{"from_page_id": page.id, "to_slug": slug} for slug in sorted({s[:220] for s in slugs})]
    if rows:
        db.session.execute(_links.insert(), rows)


class LinkingPages:
    """The current revisions of pages linking to a title that is about to become a page, rendered
    again so their red links to it turn blue.

    ``render(slug)`` renders them before the write transaction (in the caller's read one);
    ``write()`` stores that HTML under the write lock. A revision that became current meanwhile
    is rendered there, and all of them again if a page they link to came or went (one statement
    tells). A text that no longer renders (written under an older, looser renderer) keeps its
    HTML."""

    def __init__(self, slug, rendered, seen):
        self.slug = slug
        self.rendered = rendered  # current revision id -> HTML (None: keep its HTML)
        self.seen = seen  # slug -> whether that page existed when rendered

    @classmethod
    def render(cls, slug):
        seen = {slug: True}
        rows = db.session.execute(select(Revision.id, Revision.source)
                                  .where(Revision.id.in_(_current_revisions_linking_to(slug))))
        return cls(slug, {revision_id: _html_or_none(source, seen) for revision_id, source in rows},
                   seen)

    def write(self, new_page=None):
        """Under the write lock: store the HTML of every current revision linking to the slug
        (not ``new_page``'s own: it was rendered knowing it exists)."""
        ids = set(db.session.scalars(_current_revisions_linking_to(self.slug, new_page)))
        rendered = {i: self.rendered[i] for i in ids if i in self.rendered} \
            if links_still_hold(self.seen) else {}
        missing = ids - rendered.keys()
        if missing:
            rows = db.session.execute(select(Revision.id, Revision.source)
                                      .where(Revision.id.in_(missing)))
            rendered.update((revision_id, _html_or_none(source)) for revision_id, source in rows)
        changes = [{"revision_id": i, "html": html}
                   for i, html in rendered.items() if html is not None]
        if changes:
            db.session.execute(_SET_HTML, changes)
            for change in changes:  # a loaded revision reads its new HTML
                loaded = db.session.identity_map.get(identity_key(Revision, change["revision_id"]))
                if loaded is not None:
                    db.session.expire(loaded, ["html"])


def _current_revisions_linking_to(slug, new_page=None):
    query = (select(Page.current_revision_id).join(Link, Link.from_page_id == Page.id)
             .where(Link.to_slug == slug, Page.current_revision_id.is_not(None)))
    if new_page is not None:
        query = query.where(Page.id != new_page.id)
    return query


def _html_or_none(source, seen=None):
    try:
        return render_source(source, seen)[0]
    except ValidationError:
        return None


_SET_HTML = (update(Revision.__table__).where(Revision.__table__.c.id == bindparam("revision_id"))
             .values(html=bindparam("html")))
