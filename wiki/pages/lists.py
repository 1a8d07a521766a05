"""Recent changes and tags."""
from flask import abort, render_template, request
from flask_login import current_user

from ..database import paginate
from ..models import KINDS
from ..text import slugify
from . import queries
from .routes import bp


@bp.route("/recent")
def recent():
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    change_type = request.args.get("type") if request.args.get("type") in queries.RECENT_TYPES else None
    product = queries.get_product(request.args.get("product"))
    events = paginate(queries.recent_changes(current_user, kind=kind, product=product,
                                             change_type=change_type), capped=True)
    return render_template("pages/recent.html", events=events, kind=kind, product=product,
                           change_type=change_type, kinds=KINDS, types=list(queries.RECENT_TYPES),
                           products=queries.products())


@bp.route("/tags/")
def tags():
    return render_template("pages/tags.html", tags=queries.tag_counts())


@bp.route("/tags/<tag>")
def tag(tag):
    name = slugify(tag, max_length=40)
    if not name:
        abort(404)
    pages = paginate(queries.tagged_pages(name))
    return render_template("pages/tag.html", tag=name, pages=pages)


@bp.route("/wiki/<slug>/links")
def links_here(slug):
    """Every page whose current revision links here."""
    from . import services

    page = services.get_page_or_404(slug)
    return render_template("pages/links_here.html", page=page, pages=queries.links_here(page, limit=1000))
