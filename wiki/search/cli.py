"""``flask search rebuild`` and ``flask search check``."""
import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="Maintain the search index.")


@search_cli.command("rebuild")
def rebuild_command():
    """Rebuild the whole index from the database."""
    from .maintenance import rebuild

    count = rebuild()
    click.echo(f"Indexed {count} pages.")


@search_cli.command("check")
@click.option("--dry-run", is_flag=True, help="Report drift without repairing it.")
def check_command(dry_run):
    """Drain the queue, report drift (missing, stale, orphaned documents) and repair it."""
    from .maintenance import check

    report = check(repair=not dry_run)
    click.echo(f"Queue: {report.drained} drained, {report.still_queued} failed and still queued.")
    for label in ("missing", "stale", "orphaned"):
        ids = getattr(report, label)
        shown = ", ".join(str(i) for i in ids[:20]) + (" …" if len(ids) > 20 else "")
        click.echo(f"{label}: {len(ids)}" + (f" (page ids {shown})" if ids else ""))
    if report.clean:
        click.echo("The index matches the database.")
    elif report.repaired:
        click.echo("Repaired.")
    else:
        click.echo("Not repaired (dry run).")
    if report.still_queued:
        raise SystemExit(1)
