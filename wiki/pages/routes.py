"""Reading, writing and previewing wiki pages. History, talk and lists live in sibling modules
that add their routes to the same blueprint."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from .. import permissions
from ..database import reading
from ..errors import Conflict, ValidationError
from ..extensions import login_manager
from ..forms import attach_errors
from ..models import KINDS, PRODUCT_KINDS
from ..text import slugify
from . import queries, services
from .forms import EditForm, NewPageForm, choices

bp = Blueprint("pages", __name__)


def deny():
    """Anonymous visitors are sent to log in; signed-in users who may not act get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    abort(403)


@bp.route("/wiki/<slug>")
def view(slug):
    page = services.get_page_or_404(slug, options=queries.FOR_VIEW)
    revision = services.visible_revision(page, current_user)
    return render_template("pages/view.html", page=page, revision=revision,
                           links_here=queries.link_titles(page))


@bp.route("/wiki/<slug>/edit", methods=["GET", "POST"])
def edit(slug):
    with reading():  # a save's own transaction takes the write lock, not these look-ups
        page = services.get_page_or_404(slug)
        allowed = permissions.can_edit(current_user, page)
    if not allowed:
        return deny()
    form = EditForm()
    if request.method == "GET":
        revision = services.visible_revision(page, current_user)
        form.body.data = revision.source if revision else ""
        form.base_revision.data = revision.number if revision else ""
        form.tags.data = ", ".join(tag.name for tag in page.tags)
        return render_template("pages/edit.html", page=page, form=form)
    if not form.validate_on_submit():
        return render_template("pages/edit.html", page=page, form=form), 400
    try:
        revision = services.edit_page(current_user, page, form.body.data or "", form.summary.data,
                                      base_revision=form.base_revision.data or None,
                                      tags=form.tags.data or "")
    except services.EditConflict as conflict:
        form.body.data = conflict.mine
        form.base_revision.data = conflict.current_revision
        return render_template("pages/conflict.html", page=page, form=form,
                               conflict=conflict), 409
    except ValidationError as error:
        attach_errors(form, error)
        return render_template("pages/edit.html", page=page, form=form), error.status_code
    with reading():  # the saved revision's number, read back after its commit
        if revision is None:
            flash("Nothing changed, so no new revision was saved.", "info")
        elif getattr(revision, "merged", False):
            flash("Someone else saved while you edited; your changes did not overlap and were "
                  f"merged into revision {revision.number}. Check the result.", "warning")
        else:
            flash(f"Saved revision {revision.number}.", "success")
        return redirect(url_for("pages.view", slug=page.slug))


@bp.route("/new", methods=["GET", "POST"])
def new():
    with reading():  # a new page's own transaction takes the write lock, not these look-ups
        allowed = permissions.can_create(current_user)
        products = queries.products() if allowed else []
    if not allowed:
        return deny()
    form = NewPageForm()
    form.product.choices = choices([("", "— no product —")]
                                   + [(p.slug, p.name) for p in products])
    if request.method == "GET":
        kind = request.args.get("kind")
        form.kind.data = kind if kind in KINDS else "article"
        form.product.data = request.args.get("product", "")
        title = request.args.get("title", "")[:services.MAX_TITLE]
        if title:
            existing = services.get_page(slugify(title))
            if existing is not None and not existing.deleted:
                flash(f"“{existing.title}” exists already; here it is.", "info")
                return redirect(url_for("pages.view", slug=existing.slug))
            form.title.data = title
        return _new_form(form)
    if not form.validate_on_submit():
        return _new_form(form), 400
    with reading():
        product = queries.get_product(form.product.data)
    if form.kind.data in PRODUCT_KINDS and form.product.data and product is None:
        attach_errors(form, ValidationError({"product": "That product does not exist."}))
        return _new_form(form), 400
    if request.form.get("action") == "preview":
        try:
            services.clean_title(form.title.data)
            html, _links = services.render_source(services.check_body(form.body.data))
        except ValidationError as error:
            attach_errors(form, error)
            return _new_form(form), error.status_code
        return _new_form(form, preview=Markup(html))
    try:
        page = services.create_page(current_user, form.title.data, form.kind.data,
                                    form.body.data or "", product=product,
                                    summary=form.summary.data, tags=form.tags.data or "")
    except Conflict:
        existing = services.get_page(slugify(services.clean_title(form.title.data)))
        if existing is None or (existing.deleted and not permissions.can_see_hidden(current_user)):
            attach_errors(form, ValidationError({"title": "That title is taken; choose another."}))
            return _new_form(form), 409
        flash(f"“{existing.title}” exists already, so nothing new was created. Edit it instead.",
              "warning")
        return redirect(url_for("pages.view", slug=existing.slug))
    except ValidationError as error:
        attach_errors(form, error)
        return _new_form(form), error.status_code
    with reading():  # the new page's slug, read back after its commit
        flash("Page created.", "success")
        return redirect(url_for("pages.view", slug=page.slug))


def _new_form(form, preview=None):
    return render_template("pages/new.html", form=form, kind=form.kind.data, preview=preview)


@bp.route("/preview", methods=["POST"])
def preview():
    """The rendered HTML of ``body`` as a fragment, for the editors' live preview."""
    if not permissions.is_member(current_user):
        return deny()
    try:
        html, _links = services.render_source(services.check_body(request.form.get("body", "")))
    except ValidationError as error:
        return render_template("pages/_preview.html", error=error.message), error.status_code
    return render_template("pages/_preview.html", html=Markup(html))


@bp.route("/wiki/<slug>/revert", methods=["POST"])
def revert(slug):
    page = services.get_page_or_404(slug)
    if not permissions.can_edit(current_user, page):
        return deny()
    try:
        number = int(request.form.get("revision", ""))
    except ValueError:
        abort(400, "Say which revision to revert to.")
    revision = services.revert_page(current_user, page, number)
    if revision is None:
        flash(f"The page already reads as revision {number}.", "info")
    else:
        flash(f"Reverted to revision {number} (saved as revision {revision.number}).", "success")
    return redirect(url_for("pages.view", slug=page.slug))


from . import history, lists, talk  # noqa: E402,F401  (routes on the same blueprint)
