"""How an event reads in a notification, a feed entry or a digest: a sentence and a link.

Links are site paths; the routes are public contracts (DESIGN.md), so they are built here
rather than through endpoints other areas may not have registered.
"""
from urllib.parse import quote

VERBS = {
    "page.created": "created",
    "page.edited": "edited",
    "page.reverted": "reverted",
    "page.deleted": "deleted",
    "page.restored": "restored",
    "comment.created": "commented on",
    "proposal.status": "changed the status of",
    "proposal.response": "posted an official response on",
    "proposal.merged": "merged",
    "proposal.unmerged": "unmerged",
    "proposal.assigned": "assigned",
    "proposal.impact": "estimated the impact of",
    "page.tagged": "changed the tags of",
}


def actor_name(event):
    return event.actor.username if event.actor is not None else "Someone"


def title(event):
    """One line: ``casey edited “Faster checkout”``."""
    page = event.page
    verb = VERBS.get(event.kind, event.kind.replace(".", " ").replace("_", " "))
    subject = f"“{page.title}”" if page is not None else (event.product.name if event.product else "")
    line = f"{actor_name(event)} {verb} {subject}".strip()
    data = event.data or {}
    if event.kind == "proposal.status":
        status = data.get("to") or data.get("status")
        if status:
            line += f" to {str(status).replace('_', ' ')}"
    elif event.kind == "proposal.assigned":
        line += f" to {data['to']}" if data.get("to") else " to nobody"
    elif event.kind == "proposal.merged" and data.get("into"):
        line += f" into {data['into']}"
    return line


def summary(event):
    """A short text under the title: the edit summary, or a note, or nothing."""
    data = event.data or {}
    if event.revision is not None and not event.revision.hidden and event.revision.summary:
        return event.revision.summary
    for key in ("note", "excerpt", "summary", "reason"):
        if isinstance(data.get(key), str) and data[key].strip():
            return data[key].strip()[:300]
    return ""


def page_path(page):
    return f"/wiki/{quote(page.slug)}"


def path(event):
    """Where to read about the event: the diff for an edit, the talk thread for a comment."""
    page = event.page
    if page is None:
        if event.product is not None:
            return f"/products/{quote(event.product.slug)}"
        return "/"
    revision = event.revision
    if revision is not None and revision.number > 1 and event.kind in ("page.edited", "page.reverted"):
        return f"{page_path(page)}/diff?from={revision.number - 1}&to={revision.number}"
    if event.comment_id is not None:
        return f"{page_path(page)}/talk#comment-{event.comment_id}"
    return page_path(page)


REASONS = {
    "watch:page": "you watch this page",
    "watch:product": "you watch this product",
    "watch:tag": "you watch a tag on this page",
    "watch:status": "you watch this proposal status",
    "vote": "you voted on this proposal",
}


def reason_label(reason):
    return REASONS.get(reason, reason.replace("_", " "))
