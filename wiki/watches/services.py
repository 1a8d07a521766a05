"""Watches: a user follows a page, a product, a tag, or proposals reaching a status.

A watch's ``target_key`` is the page id, the product id, the tag name or the status name.
"""
from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, delete, literal_column, or_, select

from .. import permissions
from ..errors import ValidationError
from ..extensions import db
from ..models import STATUSES, Page, Product, Tag, Watch
from ..templating import endpoint_url

TARGET_TYPES = ("page", "product", "tag", "status")
PROPOSAL_EVENT_KINDS = ("proposal.status", "proposal.response", "proposal.merged")


def resolve_target(target_type, key):
    """``(type, key, label)`` for a watch target, or a ValidationError (404 when it is unknown)."""
    key = str(key or "").strip()
    if target_type not in TARGET_TYPES:
        raise ValidationError({"type": f"Choose what to watch: {', '.join(TARGET_TYPES)}."})
    if target_type == "status":
        if key not in STATUSES:
            raise ValidationError({"key": f"Choose a status: {', '.join(STATUSES)}."})
        return target_type, key, f"proposals that are {key.replace('_', ' ')}"
    if target_type == "tag":
        tag = db.session.scalar(select(Tag).where(Tag.name == key))
        if tag is None:
            raise ValidationError({"key": "There is no such tag."}, status_code=404)
        return target_type, tag.name, f"tag {tag.name}"
    model = Page if target_type == "page" else Product
    obj = db.session.get(model, int(key)) if key.isdigit() else None
    if obj is None or getattr(obj, "deleted", False):
        raise ValidationError({"key": f"There is no such {target_type}."}, status_code=404)
    label = obj.title if target_type == "page" else obj.name
    return target_type, str(obj.id), label


def _add(user, target_type, key):
    """Add the watch to the session unless it exists (no commit)."""
    exists = db.session.scalar(select(Watch.id).where(
        Watch.user_id == user.id, Watch.target_type == target_type, Watch.target_key == key))
    if exists is None:
        db.session.add(Watch(user_id=user.id, target_type=target_type, target_key=key))
        return True
    return False


def watch(user, target_type, key):
    """Watch a target; watching it again changes nothing. Returns True when a watch was added."""
    if not permissions.is_member(user):
        abort(403)
    target_type, key, _label = resolve_target(target_type, key)
    added = _add(user, target_type, key)
    db.session.commit()
    return added


def unwatch(user, target_type, key):
    """Stop watching; harmless when there was no watch. Returns True when one was removed."""
    if not permissions.is_member(user):
        abort(403)
    result = db.session.execute(delete(Watch).where(
        Watch.user_id == user.id, Watch.target_type == target_type, Watch.target_key == str(key)))
    db.session.commit()
    return bool(result.rowcount)


def watching_fact(watch_type, watch_key, **_):
    """The watch button's fact ``watching``: 1 when the reader watches it, NULL when not, asked
    with the page's other personal facts (``wiki.personal``)."""
    return _WATCHING, {"user_id": current_user.id, "target_type": watch_type, "key": str(watch_key)}


def is_watching(user, target_type, key):
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.execute(_WATCHING, {"user_id": user.id, "target_type": target_type,
                                          "key": str(key)}).first() is not None


# built once: every signed-in page view asks it (the watch button); it answers 1 or nothing, one
# of the two answers the button is kept rendered for
_WATCHING = select(literal_column("1")).where(Watch.user_id == bindparam("user_id"),
                                   Watch.target_type == bindparam("target_type"),
                                   Watch.target_key == bindparam("key"))


def watches_of(user):
    """The user's watches as ``[(watch, label, url_or_None)]``, newest first."""
    rows = db.session.scalars(select(Watch).where(Watch.user_id == user.id)
                              .order_by(Watch.created_at.desc(), Watch.id.desc())).all()
    described = []
    for row in rows:
        label, url = _describe(row)
        described.append((row, label, url))
    return described


def _describe(row):
    if row.target_type == "page" and row.target_key.isdigit():
        page = db.session.get(Page, int(row.target_key))
        if page is not None:
            return f"Page: {page.title}", f"/wiki/{page.slug}"
    if row.target_type == "product" and row.target_key.isdigit():
        product = db.session.get(Product, int(row.target_key))
        if product is not None:
            return f"Product: {product.name}", f"/products/{product.slug}"
    if row.target_type == "tag":
        return f"Tag: {row.target_key}", endpoint_url("pages.tag", tag=row.target_key)
    if row.target_type == "status":
        return (f"Proposals that become {row.target_key.replace('_', ' ')}",
                endpoint_url("proposals.index", status=row.target_key))
    return f"{row.target_type}: {row.target_key} (gone)", None


def _event_status(event):
    data = event.data or {}
    status = data.get("to") or data.get("status") or data.get("new_status")
    if not status and event.page is not None and event.page.proposal is not None:
        status = event.page.proposal.status
    return status


def watchers_for(event):
    """The ids of users whose watches match ``event``."""
    return set(watch_reasons(event))


def watch_reasons(event):
    """Users whose watches match ``event``, as ``{user_id: target_type}`` (page beats product,
    product beats tag, tag beats status)."""
    page = event.page
    targets = []
    if page is not None:
        targets.append(("page", str(page.id)))
    product_id = page.product_id if page is not None else event.product_id
    if product_id:
        targets.append(("product", str(product_id)))
    if page is not None:
        targets.extend(("tag", tag.name) for tag in page.tags)
    if event.kind == "proposal.status":
        status = _event_status(event)
        if status:
            targets.append(("status", status))
    if not targets:
        return {}
    order = {name: position for position, name in enumerate(TARGET_TYPES)}
    clauses = [(Watch.target_type == t) & (Watch.target_key == k) for t, k in targets]
    found = {}
    for user_id, target_type in db.session.execute(
            select(Watch.user_id, Watch.target_type).where(or_(*clauses))):
        current = found.get(user_id)
        if current is None or order[target_type] < order[current]:
            found[user_id] = target_type
    return found


def watch_own_page(event):
    """Subscriber: authors watch what they create."""
    if event.kind != "page.created" or event.page is None or event.actor_id is None:
        return
    from ..models import User

    author = db.session.get(User, event.actor_id)
    if author is not None:
        _add(author, "page", str(event.page.id))
