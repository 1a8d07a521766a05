"""Demo content: one user of each role and, from each area, its share of the demo.

The passwords are for the demo only and printed by ``flask seed-demo``.
"""
from sqlalchemy import func, select

from .auth.services import create_user, ensure_default_segments, segments
from .extensions import db
from .models import User

DEMO_PASSWORD = "cowiki-demo-2026"
DEMO_USERS = [
    ("alice", "customer", DEMO_PASSWORD),
    ("bob", "customer", DEMO_PASSWORD),
    ("carol", "customer", DEMO_PASSWORD),
    ("dave", "customer", DEMO_PASSWORD),
    ("mona", "moderator", DEMO_PASSWORD),
    ("ivan", "innovation", DEMO_PASSWORD),
    ("ada", "admin", DEMO_PASSWORD),
]

# areas append fn(users: dict[str, User]) that add their demo content (and commit)
DEMO_STEPS = []


def seed_demo(force=False):
    if not force and db.session.scalar(select(func.count(User.id))):
        return False
    ensure_default_segments()
    all_segments = segments()
    users = {}
    for index, (name, role, password) in enumerate(DEMO_USERS):
        existing = db.session.scalar(select(User).where(User.username_key == name))
        users[name] = existing or create_user(
            name, password, email=f"{name}@example.com", role=role,
            segment=all_segments[index % len(all_segments)] if all_segments else None,
            check_reserved=False)
    for step in DEMO_STEPS:
        step(users)
    db.session.commit()
    return True


# The triage step gives proposals from earlier steps their statuses; keep it last.
from .triage.demo import triage_demo

DEMO_STEPS.append(triage_demo)
