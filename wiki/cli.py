"""The application-wide click commands. Each area adds its own in its ``init_app``."""
import click
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db


@click.command("setup")
@with_appcontext
def setup_command():
    """Create or upgrade the database schema (Alembic), then the default segments."""
    from flask_migrate import upgrade

    from .auth.services import ensure_default_segments

    upgrade()
    ensure_default_segments()
    click.echo(f"Schema is up to date on {db.engine.url.render_as_string(hide_password=True)}.")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even when the database already has users.")
@with_appcontext
def seed_demo_command(force):
    """Load demo content into an empty database and print the demo log-ins."""
    from .demo import DEMO_USERS, seed_demo

    if not seed_demo(force=force):
        click.echo("The database already has content; demo content not loaded (use --force).")
        return
    click.echo("Demo content loaded. Demo-only log-ins (username / password):")
    for name, role, password in DEMO_USERS:
        click.echo(f"  {name:<10} {role:<11} {password}")


@click.command("create-user")
@click.argument("name")
@click.option("--role", default="customer", show_default=True,
              type=click.Choice(["customer", "moderator", "innovation", "admin"]))
@click.option("--email", default=None)
@click.option("--password", default=None, help="Prompted for when not given.")
@with_appcontext
def create_user_command(name, role, email, password):
    """Create a user with a role."""
    from .auth.services import create_user
    from .errors import ValidationError

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(name, password, email=email, role=role, check_reserved=False)
    except ValidationError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.username} ({user.role}).")


@click.command("create-token")
@click.argument("name")
@click.option("--label", default="cli", show_default=True, help="A name for the token.")
@with_appcontext
def create_token_command(name, label):
    """Print a new API token for user NAME (for service accounts)."""
    from sqlalchemy import select

    from .api_auth import new_token
    from .models import User

    user = db.session.scalar(select(User).where(User.username_key == name.casefold()))
    if user is None:
        raise click.ClickException(f"No user called {name!r}.")
    _, raw = new_token(user, label)
    db.session.commit()
    click.echo(raw)


def register_cli(app):
    for command in (setup_command, seed_demo_command, create_user_command, create_token_command):
        app.cli.add_command(command)
