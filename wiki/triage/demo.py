"""The triage share of the demo: proposals with statuses, official responses and a merged
duplicate. Copes with whatever proposals earlier demo steps made, adding a few of its own."""
from sqlalchemy import select

from ..extensions import db
from ..models import Page, Product, ProposalState, Vote
from ..votes.accounting import recount_page

IDEAS = [  # the last two are the same idea: the demo merges them
    ("Offline mode for the mobile app", "alice",
     "Let me read and draft while on a plane; sync when I am back online."),
    ("Export reviews as CSV", "bob", "Product teams want our reviews in a spreadsheet."),
    ("Two-factor sign-in", "dave", "Protect accounts with an authenticator app."),
    ("Animated page transitions", "alice", "Fade between pages when I follow a link."),
    ("Dark mode", "carol", "A dark colour scheme for evening use."),
    ("Night theme for the website", "bob", "Dark background and light text, please."),
]
PLAN = [  # (path through the workflow, official response or None)
    (("under_review", "planned"), "Planned for the next quarter. Thanks to everyone who voted!"),
    (("under_review", "planned", "in_progress"), "We are **building** this now."),
    (("under_review", "planned", "in_progress", "shipped"), "Shipped in release 4.2: try it out."),
    (("declined",), "Not for now: it would slow every page down for little gain. Tell us on the talk page if you disagree."),
]


def _product():
    product = db.session.scalar(select(Product).order_by(Product.id))
    if product is None:
        product = Product(slug="acme-cloud", name="Acme Cloud", description="The demo product.")
        db.session.add(product)
        db.session.commit()
    return product


def _open_proposals():
    return db.session.scalars(
        select(Page).join(ProposalState, ProposalState.page_id == Page.id)
        .where(Page.kind == "proposal", Page.deleted.is_(False), ProposalState.status == "new")
        .order_by(Page.id)).all()


def triage_demo(users):
    from ..pages.services import create_page, get_page
    from ..people.lead import recompute_all
    from ..text import slugify
    from . import merging, services

    if len(_open_proposals()) < len(PLAN) + 2:
        product = _product()
        for title, author, body in IDEAS:
            if get_page(slugify(title)) is None and author in users:
                create_page(users[author], title, "proposal", body, product=product)
    proposals = _open_proposals()
    customers = [users[n] for n in ("alice", "bob", "carol", "dave") if n in users]
    for index, page in enumerate(proposals):
        for offset, voter in enumerate(customers):
            if (index + offset) % 3 == 2 or voter.id == page.created_by_id:
                continue
            if db.session.scalar(select(Vote.id).where(Vote.page_id == page.id,
                                                       Vote.user_id == voter.id)) is None:
                db.session.add(Vote(user_id=voter.id, page_id=page.id,
                                    value=-1 if (index + offset) % 5 == 4 else 1))
        db.session.flush()
        recount_page(page.id)
    db.session.commit()

    staff = users.get("ivan") or users.get("ada")
    moderator = users.get("mona") or staff
    for page, (path, response) in zip(proposals, PLAN):
        for status in path:
            services.change_status(staff, page, status, note=f"Demo: moved to {status}.")
        services.post_response(staff, page, response)
        services.assign(staff, page, moderator)
    rest = proposals[len(PLAN):]
    if len(rest) >= 2:
        merging.merge(moderator, rest[-1], rest[0], note="Same idea as the older proposal.")
    if proposals:
        services.add_note(staff, proposals[0], "Demo note: three enterprise customers asked for this.")
    recompute_all()
