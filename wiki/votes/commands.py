"""``flask votes check [--fix]``: recount every page (and product rating) and report drift."""
import click
from flask.cli import with_appcontext

from ..database import begin_write
from ..extensions import db
from . import accounting


@click.group("votes")
def votes_cli():
    """Vote and rating accounting."""


@votes_cli.command("check")
@click.option("--fix", is_flag=True, help="Repair the counters that drifted.")
@with_appcontext
def check_command(fix):
    """Recount every page's votes and every product's ratings; report drift (exit 1 on drift
    unless --fix repaired it)."""
    if fix:
        begin_write()
    pages = accounting.vote_drift()
    products = accounting.rating_drift()
    for page_id, slug, stored, counted in pages:
        click.echo(f"page {slug}: stored +{stored[0]}/-{stored[1]}, rows say +{counted[0]}/-{counted[1]}")
        if fix:
            accounting.recount_page(page_id)
    for product_id, slug, stored, counted in products:
        click.echo(f"product {slug}: stored {stored[0]} ratings summing {stored[1]}, "
                   f"rows say {counted[0]} summing {counted[1]}")
        if fix:
            accounting.recount_product(product_id)
    drift = len(pages) + len(products)
    if fix:
        db.session.commit()
    else:
        db.session.rollback()
    if not drift:
        click.echo("No drift: every vote and rating counter equals its rows.")
        return
    if fix:
        click.echo(f"Repaired {len(pages)} page(s) and {len(products)} product(s).")
        return
    click.echo(f"Drift on {len(pages)} page(s) and {len(products)} product(s); "
               "run `flask votes check --fix` to repair.", err=True)
    click.get_current_context().exit(1)
