"""Context functions for the watch buttons placed into other areas' template slots.

Each returns the values its template needs, or None to show nothing (visitors who are not
signed in see no button).
"""
from flask import request
from flask_login import current_user

from .. import permissions
from ..extensions import db
from ..models import STATUSES, Tag
from ..personal import render_part
from . import services


def _button(target_type, key, label):
    if not permissions.is_member(current_user):
        return None
    return {"watch_type": target_type, "watch_key": str(key), "watch_label": label}


def render_button(watch_type, watch_key, watch_label, watching=None):
    """The personal part ``watches.button``: Watch or Watching, for the reader."""
    return render_part("watches/_button_form.html", watch_type=watch_type, watch_key=watch_key,
                       watch_label=watch_label, watching=bool(watching),
                       watch_next=request.full_path.rstrip("?"))


def for_page(page=None, **_):
    if page is None or page.id is None or page.deleted:
        return None
    return _button("page", page.id, "this page")


def for_product(product=None, **_):
    if product is None:
        return None
    return _button("product", product.id, "this product")


def for_tag(tag=None, **_):
    name = getattr(tag, "name", tag)
    if not name:
        return None
    if not isinstance(tag, Tag) and db.session.query(Tag.id).filter(Tag.name == name).first() is None:
        return None
    return _button("tag", name, f"tag {name}")


def for_statuses(**_):
    if not permissions.is_member(current_user):
        return None
    chosen = request.args.get("status") if request.args.get("status") in STATUSES else None
    watched = {status for status in STATUSES
               if services.is_watching(current_user, "status", status)}
    return {"statuses": STATUSES, "chosen_status": chosen, "watched_statuses": watched,
            "watch_next": request.full_path.rstrip("?")}


def for_account(user=None, **_):
    if user is None or not user.is_authenticated:
        return None
    return {"watch_rows": services.watches_of(user)}
