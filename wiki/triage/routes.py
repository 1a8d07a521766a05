"""The triage queue and the triage actions on one proposal. Views parse, call a service, answer."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..database import page_args
from ..errors import ValidationError
from ..extensions import db
from ..models import IMPACTS, STATUSES, Merge, Product, Segment
from ..permissions import can_see_insights, can_triage, requires
from ..security import is_safe_next
from . import merging, queue, services, workflow

bp = Blueprint("triage", __name__, url_prefix="/triage")


def _proposal_or_404(slug):
    page = services.get_proposal(slug)
    if page is None:
        abort(404, description="There is no proposal with that address.")
    return page


def _back(page):
    target = request.form.get("next")
    if is_safe_next(target):
        return redirect(target)
    return redirect(f"/wiki/{page.slug}")


@bp.route("/")
@requires(can_triage)
def index():
    filters = queue.Filters.from_args(request.args)
    if filters.assignee == "me":
        filters.assignee = current_user.username
    if not can_see_insights(current_user):  # analytics filters are for the innovation team
        filters.segment, filters.lead = "", False
    for message in filters.errors:
        flash(message, "warning")
    page, per_page = page_args()
    results = queue.queue(filters, page, per_page)
    ids = [p.id for p in results.items]
    segment_votes = queue.votes_by_segment(ids) if can_see_insights(current_user) else {}
    suggestions = {p.id: queue.suggestion_links(p) for p in results.items}
    return render_template(
        "triage/queue.html", results=results, filters=filters, sorts=queue.SORTS,
        counts=queue.counts_per_status(filters), statuses=STATUSES,
        segment_votes=segment_votes, suggestions=suggestions,
        products=db.session.scalars(db.select(Product).order_by(Product.name)).all(),
        segments=db.session.scalars(db.select(Segment).order_by(Segment.position)).all(),
        assignees=services.assignable_users(), targets=workflow.LABELS)


@bp.route("/bulk", methods=["POST"])
@requires(can_triage)
def bulk():
    ids = []
    for raw in request.form.getlist("ids"):
        try:
            ids.append(int(raw))
        except ValueError:
            raise ValidationError({"ids": "The selection is not valid."}) from None
    action = request.form.get("action", "")
    assignee = None
    if action == "assign":
        assignee = services.find_assignee(request.form.get("assignee"))
    done, failed = services.bulk(current_user, ids, action, status=request.form.get("status"),
                                 note=request.form.get("note", ""), assignee=assignee)
    if done:
        flash(f"Updated {len(done)} proposal{'' if len(done) == 1 else 's'}.", "success")
    for item, message in failed:
        name = getattr(item, "title", None) or f"#{item}"
        flash(f"Not updated: “{name}”: {message}", "error")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("triage.index"))


@bp.route("/<slug>/status", methods=["POST"])
@requires(can_triage)
def status(slug):
    page = _proposal_or_404(slug)
    to = request.form.get("status", "")
    duplicate_of = None
    if to == "duplicate":
        duplicate_of = _proposal_or_404(request.form.get("into", "").strip())
    services.change_status(current_user, page, to, request.form.get("note", ""),
                           expected_status=request.form.get("expected_status") or None,
                           duplicate_of=duplicate_of)
    flash(f"Status changed to {workflow.label(to)}.", "success")
    return _back(page)


@bp.route("/<slug>/assign", methods=["POST"])
@requires(can_triage)
def assign(slug):
    page = _proposal_or_404(slug)
    assignee = services.find_assignee(request.form.get("assignee"))
    services.assign(current_user, page, assignee)
    flash(f"Assigned to {assignee.username}." if assignee else "Unassigned.", "success")
    return _back(page)


@bp.route("/<slug>/impact", methods=["POST"])
@requires(can_see_insights)
def impact(slug):
    page = _proposal_or_404(slug)
    value = request.form.get("impact", "")
    if value and value not in IMPACTS:
        raise ValidationError({"impact": f"Choose an impact: {', '.join(IMPACTS)}."})
    services.set_impact(current_user, page, value or None)
    flash("Impact saved.", "success")
    return _back(page)


@bp.route("/<slug>/response", methods=["POST"])
@requires(can_triage)
def response(slug):
    page = _proposal_or_404(slug)
    services.post_response(current_user, page, request.form.get("body", ""))
    flash("Official response posted.", "success")
    return _back(page)


@bp.route("/<slug>/merge", methods=["POST"])
@requires(can_triage)
def merge(slug):
    page = _proposal_or_404(slug)
    into = request.form.get("into", "").strip()
    target = services.get_proposal(into)
    if target is None:
        raise ValidationError({"into": f"There is no proposal called {into!r}." if into
                               else "Say which proposal to merge into."})
    merging.merge(current_user, page, target, note=request.form.get("note", ""),
                  expected_status=request.form.get("expected_status") or None)
    flash(f"Merged into “{target.title}”; its votes moved there.", "success")
    return _back(page)


@bp.route("/<slug>/unmerge/<int:merge_id>", methods=["POST"])
@requires(can_triage)
def unmerge(slug, merge_id):
    page = _proposal_or_404(slug)
    row = db.session.get(Merge, merge_id)
    if row is None or page.id not in (row.source_page_id, row.target_page_id):
        abort(404, description="There is no such merge on this proposal.")
    merging.unmerge(current_user, row)
    flash("Merge undone: the duplicate has its votes and status back.", "success")
    return _back(page)


@bp.route("/<slug>/notes", methods=["POST"])
@requires(can_see_insights)
def notes(slug):
    page = _proposal_or_404(slug)
    services.add_note(current_user, page, request.form.get("body", ""))
    flash("Note added.", "success")
    return _back(page)
