"""The talk page under each wiki page: comments with one level of replies."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import permissions
from ..database import paginate
from ..errors import ValidationError
from ..extensions import db
from ..forms import attach_errors
from ..models import Comment
from . import queries, services
from .forms import CommentForm
from .routes import bp, deny


def _render(page, form, status=200):
    threads = paginate(queries.talk_threads(page))
    return render_template("pages/talk.html", page=page, threads=threads, form=form,
                           show_hidden=permissions.can_see_hidden(current_user)), status


@bp.route("/wiki/<slug>/talk", methods=["GET", "POST"])
def talk(slug):
    page = services.get_page_or_404(slug)
    form = CommentForm()
    if request.method == "GET":
        return _render(page, form)
    if not permissions.can_comment(current_user, page):
        return deny()
    if not form.validate_on_submit():
        return _render(page, form, 400)
    parent = None
    if form.parent.data:
        try:
            parent = db.session.get(Comment, int(form.parent.data))
        except ValueError:
            parent = None
        if parent is None:
            abort(400, "The comment you reply to does not exist.")
    try:
        comment = services.add_comment(current_user, page, form.body.data or "", parent=parent)
    except ValidationError as error:
        attach_errors(form, error)
        return _render(page, form, error.status_code)
    flash("Comment posted.", "success")
    return redirect(url_for("pages.talk", slug=page.slug, _anchor=f"comment-{comment.id}"))
