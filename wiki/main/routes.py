"""The home page; other areas add their blocks through the ``home.sections`` slot."""
from flask import Blueprint, render_template

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    return render_template("main/index.html")
