"""Demo content for the wiki: products, a dozen pages of each kind with several revisions by
different people, wiki links (some red), tags and talk comments. Made through the services, so
every change has its event."""
from ..extensions import db
from ..models import Product
from ..text import slugify

PRODUCTS = [
    ("Acme Phone X", "The flagship phone: camera, battery and a bright screen."),
    ("Acme Buds", "Wireless earbuds with noise cancelling."),
    ("Acme Home Hub", "The smart-home controller for lights, locks and heating."),
    ("Acme Cloud Drive", "Online storage and sharing for families and small teams."),
]
TOPICS = ["battery life", "setup", "sound quality", "camera", "accessibility", "pricing",
          "syncing", "offline mode", "privacy", "durability", "notifications", "support"]
PROPOSALS = ["Dark mode", "Family sharing", "Offline maps", "Bigger battery", "Export to CSV",
             "Voice shortcuts", "Two-factor login", "Scheduled backups", "Eco charging",
             "Custom equaliser", "Guest access", "Keyboard shortcuts"]
ARTICLES = ["Getting started", "Writing a good review", "How voting works", "Markdown help",
            "Community guidelines", "Glossary", "Choosing a product", "Troubleshooting basics",
            "Proposal lifecycle", "Frequently asked questions", "Accessibility tips",
            "Privacy explained"]


def _body(title, intro, index, links):
    link_text = " ".join(f"See also [[{target}]]." for target in links)
    # the page view shows the title as its heading: the text starts with the introduction
    return (f"{intro}\n\n## Details\n\n"
            f"- Point one about {title.lower()}\n- Point two, tried for {index + 1} weeks\n\n"
            f"| Aspect | Verdict |\n| --- | --- |\n| Overall | {'good' if index % 3 else 'mixed'} |\n\n"
            f"{link_text}\n")


def seed_wiki(users):
    from .services import add_comment, create_page, edit_page

    people = [users[name] for name in ("alice", "bob", "carol", "dave") if name in users]
    if not people:
        return
    staff = users.get("mona") or people[0]
    products = []
    for name, description in PRODUCTS:
        product = db.session.query(Product).filter_by(slug=slugify(name)).one_or_none()
        if product is None:
            product = Product(slug=slugify(name), name=name, description=description)
            db.session.add(product)
        products.append(product)
    db.session.commit()

    plan = []
    for i, title in enumerate(ARTICLES):
        plan.append((title, "article", None, f"A community article about {title.lower()}.",
                     [ARTICLES[(i + 1) % len(ARTICLES)], "Style guide" if i % 4 == 0 else ARTICLES[(i + 5) % len(ARTICLES)]],
                     ["help"] + (["guide"] if i % 2 else [])))
    for i in range(12):
        product = products[i % len(products)]
        topic = TOPICS[i]
        plan.append((f"{product.name}: {topic} review", "review", product,
                     f"My experience with the {topic} of the {product.name}.",
                     ["Writing a good review"] + ([f"{product.name} accessories"] if i % 3 == 0 else []),
                     [slugify(topic), "review"]))
        plan.append((f"Best {topic} settings for {product.name}", "recommendation", product,
                     f"What worked for us to get the most out of the {topic}.",
                     [f"{product.name}: {topic} review", "Getting started"], [slugify(topic)]))
        plan.append((f"{PROPOSALS[i]} for {product.name}", "proposal", product,
                     f"Proposal: {PROPOSALS[i].lower()}. It would help with {topic}.",
                     ["Proposal lifecycle"] + (["Roadmap ideas"] if i % 4 == 1 else []),
                     [slugify(topic), "idea"]))

    for index, (title, kind, product, intro, links, tags) in enumerate(plan):
        author = people[index % len(people)]
        page = create_page(author, title, kind, _body(title, intro, index, links[:1]),
                           product=product, summary="First draft", tags=tags)
        for step in range(1 + index % 3):
            editor = people[(index + step + 1) % len(people)]
            revision = page.current_revision
            text = revision.source + f"\nUpdate {step + 1}: more notes from {editor.username}.\n"
            if step == 0 and len(links) > 1:
                text += f"\nRelated: [[{links[1]}]].\n"
            edit_page(editor, page, text, f"Added notes ({step + 1})", base_revision=revision.number)
        if index % 2 == 0:
            first = add_comment(people[(index + 2) % len(people)], page,
                                f"Thanks for writing up *{title}*. Could you add a screenshot?")
            add_comment(author, page, "Good idea, I will add one this week.", parent=first)
        if index % 5 == 0:
            add_comment(staff, page, "Moderator note: please keep the discussion on topic.")
