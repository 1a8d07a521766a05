"""What the proposal page and the profile page show from triage (template slot contexts)."""
from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from .. import permissions
from ..extensions import db
from ..models import IMPACTS, Page, ProposalState
from ..people import lead
from . import merging, queue, services, workflow


def _proposal(page):
    return page is not None and page.kind == "proposal" and page.proposal is not None


def top_context(page=None, **_):
    """Status badge, the official response and the status timeline."""
    if not _proposal(page):
        return None
    state = page.proposal
    return {"state": state, "timeline": services.timeline(page),
            "duplicate_of": state.duplicate_of if state.status == "duplicate" else None}


def aside_context(page=None, **_):
    """Votes per segment (insights), the triage forms (triage) and internal notes (insights)."""
    if not _proposal(page) or page.deleted:
        return None
    user = current_user
    triage = permissions.can_triage(user)
    insights = permissions.can_see_insights(user)
    if not triage and not insights:
        return None
    state = page.proposal
    return {
        "state": state,
        "can_triage_here": triage,
        "can_insights_here": insights,
        "targets": workflow.allowed_targets(state.status),
        "assignees": services.assignable_users() if triage else [],
        "impacts": IMPACTS,
        "segment_votes": queue.votes_by_segment([page.id]).get(page.id, []) if insights else [],
        "notes": services.internal_notes(page) if insights else [],
        "merges": merging.merges_of(page) if triage else [],
        "suggestions": queue.suggestion_links(page) if triage else [],
    }


def profile_context(person=None, **_):
    """Their proposals and how their lead score is made up."""
    if person is None:
        return None
    proposals = db.session.execute(
        select(Page, ProposalState.status).join(ProposalState, ProposalState.page_id == Page.id)
        .where(Page.created_by_id == person.id, Page.kind == "proposal", Page.deleted.is_(False))
        .order_by(Page.created_at.desc()).limit(20)).all()
    return {"proposals": proposals, "lead": lead.breakdown(person.id), "points": lead.POINTS,
            "is_lead": lead.is_lead(person, current_app.config),
            "threshold": current_app.config.get("LEAD_CUSTOMER_MIN_SCORE", 10)}
