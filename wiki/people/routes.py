"""Public profiles and the people directory."""
from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from ..database import paginate
from ..extensions import db
from ..models import User
from . import services

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.route("/")
def index():
    sort = request.args.get("sort", "lead")
    stmt = services.directory(sort)
    return render_template("people/index.html", people=paginate(stmt), sort=sort)


@bp.route("/<username>")
def profile(username):
    user = db.session.scalar(select(User).where(User.username_key == username.casefold()))
    if user is None:
        abort(404)
    return render_template("people/profile.html", person=user)
