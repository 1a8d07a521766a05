"""Pages of four kinds, their revisions, links, tags and talk."""
import click
from flask.cli import AppGroup

from .. import slots

pages_cli = AppGroup("pages", help="Wiki pages: maintenance commands.")


@pages_cli.command("rerender")
def rerender_command():
    """Re-render every revision and comment (after the renderer changed) and rebuild the links."""
    from .maintenance import rerender_all

    revisions, comments, failed = rerender_all()
    click.echo(f"Re-rendered {revisions} revisions and {comments} comments.")
    if failed:
        click.echo(f"{failed} could not be rendered under the current rules and kept their HTML.")


def _home_context(**_values):
    from flask_login import current_user

    from ..extensions import db
    from .queries import recent_changes

    return {"recent_events": list(db.session.scalars(recent_changes(current_user).limit(8)).unique())}


def init_app(app):
    app.cli.add_command(pages_cli)
    slots.register("home.sections", "pages/_home_recent.html", context=_home_context, order=40)
    from .. import demo
    from .demo import seed_wiki

    if seed_wiki not in demo.DEMO_STEPS:
        demo.DEMO_STEPS.insert(0, seed_wiki)  # other areas' demo steps build on these pages
