"""The hostile-input corpus against short text fields: flag notes, moderation reasons, edit
summaries, tags and the profile bio. Each value is stored cleanly or refused with a clear
message; none answers with a 500 (PostgreSQL refuses NUL and lone surrogates, so those must be
caught before the database). One test per field loops over the corpus, naming the failing entry."""
import pytest
from sqlalchemy import select

from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.models import Flag, User
from wiki.moderation import services
from wiki.pages.services import create_page, edit_page

from .hostile_fields import HOSTILE, too_long


def encodable(value):
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def test_flag_note(customer, make_page):
    for n, (label, value, ok) in enumerate(HOSTILE):
        page = make_page(f"Flag target {n}")
        if ok:
            item = services.flag(customer, "page", page.id, "other" if value.strip() else "spam", value)
            db.session.expire_all()
            assert db.session.get(Flag, item.id).text == value.strip(), label
        else:
            with pytest.raises(ValidationError) as info:
                services.flag(customer, "page", page.id, "spam", value)
            assert "text" in info.value.errors, label
    with pytest.raises(ValidationError, match="at most 1000"):
        services.flag(customer, "page", page.id, "spam", too_long(1000))


def test_moderation_reason(moderator, make_page):
    page = make_page("Reason target")
    for label, value, ok in HOSTILE:
        if ok and value.strip():
            services.protect_page(moderator, page, value)
            assert page.protected, label
            services.unprotect_page(moderator, page, value)
        else:
            with pytest.raises(ValidationError) as info:
                services.protect_page(moderator, page, value)
            assert "reason" in info.value.errors, label
    with pytest.raises(ValidationError, match="at most 500"):
        services.delete_page(moderator, page, too_long(500))


def test_edit_summary(customer, make_page):
    page = make_page("Summary target", body="one")
    for n, (label, value, ok) in enumerate(HOSTILE):
        if ok:
            revision = edit_page(customer, page, f"text {n}", value)
            db.session.expire_all()
            assert revision.summary == " ".join(value.split()), label
        else:
            with pytest.raises(ValidationError) as info:
                edit_page(customer, page, f"text {n}", value)
            assert "summary" in info.value.errors, label
    with pytest.raises(ValidationError, match="at most 300"):
        edit_page(customer, page, "long", too_long(300))


def test_tags_are_cleaned_to_slugs_or_refused(customer):
    for n, (label, value, _ok) in enumerate(HOSTILE):
        page = create_page(customer, f"Tagged {n}", "article", "body", tags=[value, "fine"])
        db.session.expire_all()
        for tag in page.tags:
            assert tag.name and all(ch.isalnum() or ch == "-" for ch in tag.name), label
    with pytest.raises(ValidationError, match="at most 10 tags"):
        create_page(customer, "Many tags", "article", "body", tags=[f"t{n}" for n in range(11)])
    with pytest.raises(ValidationError, match="at most 40 characters"):
        create_page(customer, "Long tag", "article", "body", tags=[too_long(40)])


def test_profile_bio(customer_client, customer):
    for label, value, ok in HOSTILE:
        if not encodable(value):
            continue  # a browser cannot send it; see the invalid-bytes test below
        response = customer_client.post("/account/profile", data={"prof-bio": value})
        if ok:
            assert response.status_code == 302, label
            db.session.expire_all()
            assert db.session.scalar(select(User.bio).where(User.id == customer.id)) == value.strip(), label
        else:
            assert response.status_code == 400, label
            assert "control characters" in response.get_data(as_text=True), label
    response = customer_client.post("/account/profile", data={"prof-bio": too_long(2000)})
    assert response.status_code == 400 and "2000" in response.get_data(as_text=True)


def test_invalid_utf8_in_a_form_is_not_a_server_error(customer_client, customer):
    response = customer_client.post("/account/profile", data=b"prof-bio=bad%ED%A0%80bytes%00",
                                    content_type="application/x-www-form-urlencoded")
    assert response.status_code in (302, 400)
    db.session.expire_all()
    assert "\x00" not in db.session.scalar(select(User.bio).where(User.id == customer.id))
