"""Maintenance jobs for the CLI: re-render stored HTML after the renderer changes."""
from sqlalchemy import select

from ..database import begin_write
from ..errors import ValidationError
from ..extensions import db
from ..models import Comment, Revision
from .services import render_source, set_links

BATCH = 200


def rerender_all():
    """Re-render every revision and comment and rebuild the link table, in batches.
    Returns ``(revisions, comments, failed)``; sources the current rules refuse keep their HTML."""
    begin_write()
    counts = {"revisions": 0, "comments": 0, "failed": 0}
    for model, key in ((Revision, "revisions"), (Comment, "comments")):
        last_id = 0
        while True:
            rows = list(db.session.scalars(select(model).where(model.id > last_id)
                                           .order_by(model.id).limit(BATCH)))
            if not rows:
                break
            for row in rows:
                try:
                    row.html, links = render_source(row.source)
                except ValidationError:
                    counts["failed"] += 1
                    continue
                counts[key] += 1
                if model is Revision:
                    page = row.page
                    if page.current_revision_id == row.id:
                        set_links(page, links)
            last_id = rows[-1].id
            db.session.commit()
            begin_write()
    db.session.commit()
    return counts["revisions"], counts["comments"], counts["failed"]
