"""History, single revisions and diffs. Hidden revisions keep their place in the history, but
their text and summary are shown only to those who may see hidden content."""
from flask import abort, render_template, request
from flask_login import current_user

from .. import permissions
from ..database import paginate
from . import queries, services
from .diffing import diff_rows
from .routes import bp


def _revision_or_404(page, number):
    revision = services.get_revision(page, number)
    if revision is None:
        abort(404)
    return revision


@bp.route("/wiki/<slug>/history")
def history(slug):
    page = services.get_page_or_404(slug)
    revisions = paginate(queries.history(page))
    return render_template("pages/history.html", page=page, revisions=revisions,
                           show_hidden=permissions.can_see_hidden(current_user))


@bp.route("/wiki/<slug>/revisions/<int:number>")
def revision(slug, number):
    page = services.get_page_or_404(slug)
    rev = _revision_or_404(page, number)
    concealed = rev.hidden and not permissions.can_see_hidden(current_user)
    return render_template("pages/revision.html", page=page, revision=rev, concealed=concealed)


def _number_arg(name):
    raw = request.args.get(name, "")
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        abort(400, f"“{name}” must be a revision number.")


@bp.route("/wiki/<slug>/diff")
def diff(slug):
    page = services.get_page_or_404(slug)
    to_number = _number_arg("to") or page.revision_count
    from_number = _number_arg("from")
    if from_number is None:
        from_number = max(1, to_number - 1)
    if from_number > to_number:
        from_number, to_number = to_number, from_number
    old, new = _revision_or_404(page, from_number), _revision_or_404(page, to_number)
    concealed = ((old.hidden or new.hidden) and not permissions.can_see_hidden(current_user))
    rows = [] if concealed else diff_rows(old.source, new.source)
    return render_template("pages/diff.html", page=page, old=old, new=new, rows=rows,
                           concealed=concealed)
