"""Who is who: the directory and what a profile shows."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..models import User

SORTS = {
    "lead": (User.lead_score.desc(), User.id),
    "new": (User.created_at.desc(), User.id.desc()),
    "name": (User.username_key,),
}


def directory(sort="lead"):
    order = SORTS.get(sort, SORTS["lead"])
    return (select(User).options(joinedload(User.segment)).where(User.banned.is_(False))
            .order_by(*order))

