"""The demo gives proposals statuses, responses and a merged duplicate."""
from sqlalchemy import func, select

from wiki.demo import seed_demo
from wiki.extensions import db
from wiki.models import Merge, ProposalState


def test_demo_has_a_worked_triage_queue(app):
    assert seed_demo()
    statuses = dict(db.session.execute(select(ProposalState.status, func.count())
                                       .group_by(ProposalState.status)).all())
    for status in ("planned", "in_progress", "shipped", "declined", "duplicate"):
        assert statuses.get(status, 0) >= 1, status
    assert db.session.scalar(select(func.count()).select_from(ProposalState)
                             .where(ProposalState.response_html.is_not(None))) >= 4
    assert db.session.scalar(select(func.count(Merge.id))) == 1
