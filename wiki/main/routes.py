"""The home page."""
from flask import Blueprint, render_template

bp = Blueprint("main", __name__)

# other areas add blocks to the home page: (template name, context function)
HOME_SECTIONS = []


@bp.route("/")
def index():
    sections = [(template, fn()) for template, fn in HOME_SECTIONS]
    return render_template("main/index.html", sections=sections)
