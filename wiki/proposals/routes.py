"""The proposals board."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..database import paginate
from ..models import STATUSES
from ..votes.ranking import SORTS
from ..votes.services import my_votes
from . import services

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


@bp.route("/")
def index():
    filters = services.parse_filters(request.args)
    if filters["mine"] and not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    stmt = services.board(filters["sort"], filters["product"], filters["status"], filters["tag"],
                          voter=current_user if filters["mine"] else None)
    results = paginate(stmt, capped=True)
    votes = my_votes(current_user, [page.id for page in results.items])
    return render_template("proposals/index.html", results=results, my_votes=votes, sorts=SORTS,
                           statuses=STATUSES, products=services.products(), **filters)
