"""Triage rules: status changes, assignment, impact, official responses and internal notes.

Every function takes the acting user, checks the permission itself (the views check it too),
raises ValidationError/Conflict on bad input, writes one event and commits once.
Merging lives in ``merging.py``; the queue's queries in ``queue.py``.
"""
from flask import current_app
from sqlalchemy import select

from .. import events, permissions
from ..database import atomic, batch, commit, step
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import (
    IMPACTS,
    InternalNote,
    Page,
    ProposalState,
    StatusChange,
    User,
    utcnow,
)
from ..text import has_control_chars
from . import workflow

MAX_NOTE = 5000
MAX_RESPONSE = 20000  # characters of Markdown in an official response


class Forbidden(ValidationError):
    """The actor may not do this (403)."""

    status_code = 403
    code = "forbidden"


def require(predicate, actor, message):
    if not predicate(actor):
        raise Forbidden({"_": message})


def state_of(page):
    """The proposal's state, or a 400 when the page is not a proposal."""
    if page is None or page.kind != "proposal" or page.proposal is None:
        raise ValidationError({"_": "Only proposals have a triage status."})
    if page.deleted:
        raise ValidationError({"_": "This proposal is deleted."})
    return page.proposal


def get_proposal(slug):
    return db.session.scalar(
        select(Page).where(Page.slug == slug, Page.kind == "proposal", Page.deleted.is_(False)))


def _check_expected(state, expected_status):
    if expected_status and expected_status != state.status:
        raise Conflict({"_": f"Someone else changed the status to {workflow.label(state.status)} "
                             "since you loaded the page. Check it and try again."})


def touch(state, when=None):
    state.last_activity_at = when or utcnow()


def set_status(actor, page, to, note="", when=None):
    """Move the state and write the history row (no checks, no event, no commit): shared by
    change_status and the merge, which check first."""
    state = page.proposal
    when = when or utcnow()
    change = StatusChange(page_id=page.id, actor_id=actor.id, from_status=state.status,
                          to_status=to, note=note, created_at=when)
    db.session.add(change)
    state.status = to
    state.status_changed_at = when
    if to != "duplicate":
        state.duplicate_of_id = None
    touch(state, when)
    return change


def clean_note(note, limit=MAX_NOTE):
    note = (note or "").strip()
    if len(note) > limit:
        raise ValidationError({"note": f"A note has at most {limit} characters."})
    if has_control_chars(note):
        raise ValidationError({"note": "A note cannot contain control characters."})
    return note


@atomic
def change_status(actor, page, to, note="", expected_status=None, duplicate_of=None):
    """Move a proposal along the workflow. ``to="duplicate"`` merges into ``duplicate_of``;
    reopening a merged duplicate undoes the merge (its votes go back) first."""
    require(permissions.can_triage, actor, "Only moderators, innovation members and admins "
                                           "change a proposal's status.")
    state = state_of(page)
    _check_expected(state, expected_status)
    workflow.check_transition(state.status, to)
    if to == "duplicate":
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": "Say which proposal this one duplicates."})
        from .merging import merge

        return merge(actor, page, duplicate_of, note=note)
    note = clean_note(note)
    previous = state.status
    if previous == "duplicate":
        from .merging import active_merge, restore_votes

        current = active_merge(page)
        if current is not None:
            restore_votes(current)
            current.undone_at = utcnow()
    set_status(actor, page, to, note)
    events.record("proposal.status", actor, page=page,
                  data={"from": previous, "to": to, "note": note})
    commit()
    return state


@atomic
def assign(actor, page, assignee):
    """Assign to someone who works the queue, or unassign with ``assignee=None``."""
    require(permissions.can_triage, actor, "Only moderators, innovation members and admins "
                                           "assign proposals.")
    state = state_of(page)
    if assignee is not None and not permissions.can_be_assigned(assignee):
        raise ValidationError({"assignee": f"{assignee.username} cannot be assigned: proposals go "
                                           "to moderators, innovation members or admins."})
    previous = state.assignee.username if state.assignee else None
    if state.assignee_id == (assignee.id if assignee else None):
        return state
    state.assignee_id = assignee.id if assignee else None
    touch(state)
    events.record("proposal.assigned", actor, page=page, target_user=assignee,
                  data={"from": previous, "to": assignee.username if assignee else None})
    commit()
    return state


def find_assignee(username):
    """The user called ``username`` (any case), or a 400 naming the problem."""
    username = (username or "").strip()
    if not username:
        return None
    user = db.session.scalar(select(User).where(User.username_key == username.casefold()))
    if user is None:
        raise ValidationError({"assignee": f"There is no user called {username!r}."})
    return user


@atomic
def set_impact(actor, page, impact):
    require(permissions.can_see_insights, actor, "Only innovation members and admins set impact.")
    state = state_of(page)
    impact = impact or None
    if impact is not None and impact not in IMPACTS:
        raise ValidationError({"impact": f"Choose an impact: {', '.join(IMPACTS)}."})
    if state.impact == impact:
        return state
    previous = state.impact
    state.impact = impact
    events.record("proposal.impact", actor, page=page, data={"from": previous, "to": impact},
                  public=False)
    commit()
    return state


@atomic
def post_response(actor, page, markdown):
    """The official response, shown highlighted at the top of the proposal (replaces any
    earlier one)."""
    require(permissions.can_triage, actor, "Only moderators, innovation members and admins post "
                                           "official responses.")
    state = state_of(page)
    from ..pages.services import check_body, render_source

    source = check_body(markdown).strip()
    if not source:
        raise ValidationError({"body": "Write the response first."})
    if len(source) > MAX_RESPONSE:
        raise ValidationError({"body": f"An official response has at most {MAX_RESPONSE} characters."})
    try:
        html, _links = render_source(source)
    except ValidationError as error:
        raise ValidationError({"body": error.message}) from error
    now = utcnow()
    state.response_source = source
    state.response_html = html
    state.response_by_id = actor.id
    state.response_at = now
    touch(state, now)
    events.record("proposal.response", actor, page=page, data={"excerpt": source[:200]})
    commit()
    return state


@atomic
def add_note(actor, page, body):
    """A private note for the innovation team; never public."""
    require(permissions.can_see_insights, actor, "Only innovation members and admins keep "
                                                 "internal notes.")
    state_of(page)
    body = clean_note(body)
    if not body:
        raise ValidationError({"note": "Write the note first."})
    note = InternalNote(page_id=page.id, author_id=actor.id, body=body)
    db.session.add(note)
    db.session.flush()
    events.record("proposal.note", actor, page=page, data={"note_id": note.id}, public=False)
    commit()
    return note


def timeline(page):
    return db.session.scalars(select(StatusChange).where(StatusChange.page_id == page.id)
                              .order_by(StatusChange.created_at, StatusChange.id)).all()


def internal_notes(page):
    return db.session.scalars(select(InternalNote).where(InternalNote.page_id == page.id)
                              .order_by(InternalNote.created_at.desc(), InternalNote.id.desc())).all()


def assignable_users():
    return db.session.scalars(select(User).where(User.role.in_(permissions.STAFF_ROLES),
                                                 User.banned.is_(False))
                              .order_by(User.username_key)).all()


@atomic
def bulk(actor, page_ids, action, *, status=None, note="", assignee=None):
    """Apply one action to many proposals in one transaction. Each proposal is checked on its
    own: one that is refused (a ValidationError) is skipped, undone by its savepoint, and
    reported; an unexpected failure undoes the whole batch.
    Returns ``(done_pages, failures)`` where failures is a list of ``(page_or_id, message)``."""
    require(permissions.can_triage, actor, "Only moderators, innovation members and admins work "
                                           "the queue.")
    if action not in ("assign", "status"):
        raise ValidationError({"action": "Choose an action: assign or change status."})
    if not page_ids:
        raise ValidationError({"ids": "Select at least one proposal."})
    limit = current_app.config.get("TRIAGE_BULK_LIMIT", 100)
    if len(page_ids) > limit:
        raise ValidationError({"ids": f"Select at most {limit} proposals at once."})
    done, failed = [], []
    with batch():
        for page_id in page_ids:
            page = db.session.get(Page, page_id)
            if page is None or page.kind != "proposal" or page.deleted:
                failed.append((page_id, "No such proposal."))
                continue
            try:
                with step():
                    if action == "assign":
                        assign(actor, page, assignee)
                    else:
                        change_status(actor, page, status, note)
            except ValidationError as error:
                failed.append((page, error.message))
            else:
                done.append(page)
    db.session.commit()
    return done, failed


def proposal_state(page_id):
    return db.session.get(ProposalState, page_id)
