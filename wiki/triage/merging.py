"""Merging a duplicate proposal into another, and undoing it exactly.

A merge moves the duplicate's votes to the target (a user who voted on both keeps the vote they
gave the target), closes the duplicate with status ``duplicate`` and a link to the target, and
keeps a Merge row with the duplicate's votes as they were and its previous status, so
``unmerge`` can put everything back. Counts come from ``recount_page`` so they stay exact.
"""
from datetime import datetime

from sqlalchemy import delete, select

from .. import events, permissions
from ..database import atomic, commit
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import Merge, Vote, utcnow
from ..votes.accounting import recount_page
from . import workflow
from .services import Forbidden, clean_note, require, set_status, state_of, touch

MAX_CHAIN = 50


def active_merge(page):
    """The merge that made ``page`` a duplicate, if it has not been undone."""
    return db.session.scalar(select(Merge).where(Merge.source_page_id == page.id,
                                                 Merge.undone_at.is_(None))
                             .order_by(Merge.id.desc()).limit(1))


def duplicate_chain(page):
    """The pages ``page`` points to through duplicate_of, in order (stops on a loop)."""
    chain, seen, current = [], {page.id}, page
    while current.proposal is not None and current.proposal.duplicate_of is not None:
        current = current.proposal.duplicate_of
        if current.id in seen or len(chain) >= MAX_CHAIN:
            break
        chain.append(current)
        seen.add(current.id)
    return chain


def check_merge(source, target):
    source_state = state_of(source)
    if target is None:
        raise ValidationError({"into": "Choose the proposal to merge into."})
    target_state = state_of(target)
    if source.id == target.id:
        raise ValidationError({"into": "A proposal cannot be merged into itself."})
    if any(p.id == source.id for p in duplicate_chain(target)):
        raise ValidationError({"into": f"“{target.title}” is already a duplicate of "
                                       f"“{source.title}”; merging would make a cycle."})
    if target_state.status == "duplicate":
        final = target_state.duplicate_of
        hint = f" Merge into “{final.title}” instead." if final is not None else ""
        raise ValidationError({"into": f"“{target.title}” is itself a duplicate.{hint}"})
    workflow.check_transition(source_state.status, "duplicate")


@atomic
def merge(actor, source, target, note="", expected_status=None):
    require(permissions.can_triage, actor, "Only moderators, innovation members and admins "
                                           "merge proposals.")
    if expected_status and source.proposal is not None and source.proposal.status != expected_status:
        raise Conflict({"_": "Someone else changed the status of this proposal since you loaded "
                             "the page. Check it and try again."})
    check_merge(source, target)
    note = clean_note(note)
    state = source.proposal
    previous_status = state.status
    votes = db.session.scalars(select(Vote).where(Vote.page_id == source.id)
                               .order_by(Vote.id)).all()
    on_target = set(db.session.scalars(select(Vote.user_id).where(Vote.page_id == target.id)))
    record, moved, kept_target = [], 0, 0
    for vote in votes:
        entry = {"user_id": vote.user_id, "value": vote.value,
                 "created_at": _iso(vote.created_at), "updated_at": _iso(vote.updated_at),
                 "merged_from_page_id": vote.merged_from_page_id,
                 "moved": vote.user_id not in on_target}
        record.append(entry)
        if entry["moved"]:
            vote.page_id = target.id
            vote.merged_from_page_id = source.id
            moved += 1
        else:
            db.session.delete(vote)
            kept_target += 1
    db.session.flush()
    now = utcnow()
    merge_row = Merge(source_page_id=source.id, target_page_id=target.id, actor_id=actor.id,
                      previous_status=previous_status, source_votes=record, created_at=now)
    db.session.add(merge_row)
    set_status(actor, source, "duplicate", note or f"Merged into “{target.title}”.", when=now)
    state.duplicate_of_id = target.id
    touch(target.proposal, now)
    recount_page(source.id)
    recount_page(target.id)
    db.session.flush()
    events.record("proposal.merged", actor, page=source,
                  data={"into": target.slug, "target_id": target.id, "from": previous_status,
                        "to": "duplicate", "note": note, "moved_votes": moved,
                        "kept_target_votes": kept_target,
                        "voter_ids": [entry["user_id"] for entry in record]})
    commit()
    db.session.refresh(source)
    db.session.refresh(target)
    return merge_row


def restore_votes(merge_row):
    """Put the source's votes back exactly as recorded and take the moved ones off the target
    (in the caller's transaction)."""
    source_id, target_id = merge_row.source_page_id, merge_row.target_page_id
    db.session.execute(delete(Vote).where(Vote.page_id == target_id,
                                          Vote.merged_from_page_id == source_id))
    users = [entry["user_id"] for entry in merge_row.source_votes]
    if users:
        # votes cast on the duplicate after the merge by the same people give way to the record
        db.session.execute(delete(Vote).where(Vote.page_id == source_id, Vote.user_id.in_(users)))
    db.session.flush()
    for entry in merge_row.source_votes:
        db.session.add(Vote(user_id=entry["user_id"], page_id=source_id, value=entry["value"],
                            created_at=_parse(entry.get("created_at")),
                            updated_at=_parse(entry.get("updated_at")),
                            merged_from_page_id=entry.get("merged_from_page_id")))
    db.session.flush()
    recount_page(source_id)
    recount_page(target_id)


@atomic
def unmerge(actor, merge_row):
    """Undo a merge: the duplicate gets back its votes and its previous status."""
    require(permissions.can_triage, actor, "Only moderators, innovation members and admins "
                                           "undo merges.")
    if merge_row is None:
        raise ValidationError({"_": "No such merge."}, status_code=404)
    if merge_row.undone_at is not None:
        raise Conflict({"_": "This merge has been undone already."})
    from ..models import Page

    source = db.session.get(Page, merge_row.source_page_id)
    target = db.session.get(Page, merge_row.target_page_id)
    state = state_of(source)
    if state.status != "duplicate" or state.duplicate_of_id != merge_row.target_page_id:
        raise Conflict({"_": "The proposal's status changed since the merge; it is no longer "
                             "that duplicate."})
    restore_votes(merge_row)
    now = utcnow()
    merge_row.undone_at = now
    set_status(actor, source, merge_row.previous_status,
               f"Unmerged from “{target.title}”." if target is not None else "Unmerged.", when=now)
    events.record("proposal.unmerged", actor, page=source,
                  data={"from": target.slug if target is not None else None,
                        "target_id": merge_row.target_page_id, "merge_id": merge_row.id,
                        "status": merge_row.previous_status})
    commit()
    return merge_row


def merges_of(page):
    """Merges into or out of ``page``, newest first."""
    return db.session.scalars(select(Merge).where((Merge.source_page_id == page.id)
                                                  | (Merge.target_page_id == page.id))
                              .order_by(Merge.id.desc())).all()


def _iso(value):
    return value.isoformat() if value is not None else None


def _parse(value):
    if not value:
        return utcnow()
    return datetime.fromisoformat(value)


__all__ = [
    "Forbidden",
    "active_merge",
    "check_merge",
    "duplicate_chain",
    "merge",
    "merges_of",
    "restore_votes",
    "unmerge",
]
