"""The proposal workflow as DESIGN.md states it, in one table.

    new → under_review → planned → in_progress → shipped
    any open status → declined | duplicate (duplicate needs a target proposal)
    declined | duplicate → under_review (reopen)
"""
from ..errors import ValidationError
from ..models import OPEN_STATUSES, STATUSES

FORWARD = {"new": "under_review", "under_review": "planned", "planned": "in_progress",
           "in_progress": "shipped"}
CLOSING = ("declined", "duplicate")
REOPEN_FROM = ("declined", "duplicate")

LABELS = {"new": "New", "under_review": "Under review", "planned": "Planned",
          "in_progress": "In progress", "shipped": "Shipped", "declined": "Declined",
          "duplicate": "Duplicate"}


def allowed_targets(status):
    """The statuses a proposal in ``status`` may move to, in workflow order."""
    targets = []
    if status in FORWARD:
        targets.append(FORWARD[status])
    if status in OPEN_STATUSES:
        targets.extend(CLOSING)
    if status in REOPEN_FROM:
        targets.append("under_review")
    return targets


def is_allowed(from_status, to_status):
    return to_status in allowed_targets(from_status)


def check_transition(from_status, to_status):
    """Raise a ValidationError with a clear message unless the move is allowed."""
    if to_status not in STATUSES:
        raise ValidationError({"status": f"Unknown status {to_status!r}; choose one of "
                                         f"{', '.join(STATUSES)}."})
    if from_status == to_status:
        raise ValidationError({"status": f"The proposal is already {label(to_status)}."})
    if not is_allowed(from_status, to_status):
        options = allowed_targets(from_status)
        allowed = ", ".join(label(s) for s in options) if options else "nothing (it is final)"
        raise ValidationError({"status": f"A proposal cannot go from {label(from_status)} to "
                                         f"{label(to_status)}; from {label(from_status)} it can "
                                         f"go to {allowed}."})


def label(status):
    return LABELS.get(status, str(status))
