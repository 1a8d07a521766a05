"""The signed-in reader's load (wiki/auth/services.load_user): read on a pooled connection, and
joined to the session as if the session had loaded it."""
from datetime import timedelta

from sqlalchemy import inspect

from wiki.auth.services import load_user
from wiki.extensions import db
from wiki.models import User, utcnow


def fresh(user_id):
    """The row as the ORM itself loads it, for comparison."""
    db.session.expunge_all()
    return db.session.get(User, user_id)


def test_the_loaded_reader_is_the_row_with_its_types(app, customer, moderator, admin):
    from wiki.admin.services import add_segment
    from wiki.moderation.actions import ban_user

    segment = add_segment(admin, "Retail")
    customer.segment_id = segment.id
    db.session.commit()
    ban_user(moderator, customer, "spam", until=utcnow() + timedelta(days=2))
    db.session.commit()
    expected = {c.key: getattr(fresh(customer.id), c.key) for c in User.__table__.columns}
    db.session.expunge_all()

    user = load_user(f"{customer.id}:{customer.session_version}")

    assert {c.key: getattr(user, c.key) for c in User.__table__.columns} == expected
    assert user.banned_until.tzinfo is not None and user.is_banned_now
    assert user.segment.name == "Retail"  # relationships load when asked for


def test_the_reader_joins_the_session_loaded_and_clean(app, customer):
    user_id = f"{customer.id}:{customer.session_version}"
    db.session.expunge_all()
    user = load_user(user_id)
    state = inspect(user)
    assert state.persistent and not db.session.dirty and not db.session.new
    assert load_user(user_id) is user  # the identity map
    user.bio = "Loves dark mode."
    db.session.commit()
    assert fresh(user.id).bio == "Loves dark mode."


def test_an_old_session_version_or_a_missing_user_is_nobody(app, customer):
    old = f"{customer.id}:{customer.session_version + 1}"
    db.session.expunge_all()
    assert load_user(old) is None
    assert load_user("999999:1") is None
    assert load_user("abc:1") is None
    assert load_user(None) is None


def test_a_banned_reader_is_not_a_member_on_their_next_request(app, customer_client, customer,
                                                               moderator, make_proposal):
    from wiki.moderation.actions import ban_user

    idea = make_proposal("Dark mode", body="Please.")
    assert 'class="vote-form"' in customer_client.get(f"/wiki/{idea.slug}").get_data(as_text=True)
    ban_user(moderator, customer, "spam", until=utcnow() + timedelta(hours=1))
    db.session.commit()
    html = customer_client.get(f"/wiki/{idea.slug}").get_data(as_text=True)
    assert 'class="vote-form"' not in html


def test_any_model_row_reads_as_the_orm_reads_it(app, make_proposal):
    """rowload serves other tables too (the voted page): float ranks, booleans and dates must
    come out as the ORM's (psycopg's processors depend on the column's type code)."""
    from wiki import rowload
    from wiki.models import Page

    page = make_proposal("Typed ranks")
    expected = {c.key: getattr(db.session.get(Page, page.id), c.key) for c in Page.__table__.columns}
    assert isinstance(expected["rank_hot"], float)
    db.session.expunge_all()

    loaded = rowload.load(Page, "slug", page.slug)
    assert {c.key: getattr(loaded, c.key) for c in Page.__table__.columns} == expected
    assert rowload.row(Page, "slug", page.slug)._asdict() == expected
    assert rowload.load(Page, "slug", "no-such-page") is None
