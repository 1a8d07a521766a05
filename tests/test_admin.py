"""Admins manage customer segments and users' roles."""
import pytest
from sqlalchemy import select

from wiki.admin import services
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.models import Event, Segment, User


def names():
    return db.session.scalars(select(Segment.name).order_by(Segment.position, Segment.id)).all()


@pytest.mark.parametrize("who,status", [("client", 302), ("customer_client", 403),
                                        ("moderator_client", 403), ("innovator_client", 403),
                                        ("admin_client", 200)])
def test_admin_pages_need_admin(request, who, status):
    c = request.getfixturevalue(who)
    assert c.get("/admin/segments").status_code == status
    assert c.get("/admin/users").status_code == status


def test_add_rename_reorder_remove_segment(admin_client, make_user):
    assert names() == ["Technology constrained", "Technology optimist", "Technology investor"]
    admin_client.post("/admin/segments", data={"name": "Early adopter"})
    assert names()[-1] == "Early adopter"
    seg = db.session.scalar(select(Segment).where(Segment.name == "Early adopter"))
    admin_client.post(f"/admin/segments/{seg.id}/rename", data={"name": "Pioneer"})
    admin_client.post(f"/admin/segments/{seg.id}/move", data={"direction": "up"})
    assert names() == ["Technology constrained", "Technology optimist", "Pioneer",
                       "Technology investor"]
    member = make_user("pioneer1", segment=seg)
    response = admin_client.post(f"/admin/segments/{seg.id}/delete", follow_redirects=True)
    assert "1 member(s) now have no segment" in response.get_data(as_text=True)
    db.session.expire_all()
    assert member.segment_id is None and "Pioneer" not in names()
    kinds = db.session.scalars(select(Event.kind).where(Event.kind.like("segment.%"))).all()
    assert sorted(kinds) == ["segment.added", "segment.moved", "segment.removed", "segment.renamed"]
    assert not any(e.public for e in db.session.scalars(select(Event).where(
        Event.kind.like("segment.%"))))


def test_segment_name_rules(admin_client, admin):
    assert admin_client.post("/admin/segments", data={"name": "  "}).status_code == 400
    response = admin_client.post("/admin/segments", data={"name": "technology OPTIMIST"})
    assert response.status_code == 400 and "already" in response.get_data(as_text=True)
    assert admin_client.post("/admin/segments/999/rename", data={"name": "X"}).status_code == 404
    first = db.session.scalars(select(Segment).order_by(Segment.position)).first()
    assert admin_client.post(f"/admin/segments/{first.id}/move",
                             data={"direction": "sideways"}).status_code == 400


def test_customer_sees_segment_on_account(customer_client, admin_client):
    admin_client.post("/admin/segments", data={"name": "Early adopter"})
    assert "Early adopter" in customer_client.get("/account/").get_data(as_text=True)


def test_change_role(admin_client, customer):
    response = admin_client.post(f"/admin/users/{customer.id}/role", data={"role": "moderator"})
    assert response.status_code == 302
    db.session.expire_all()
    assert customer.role == "moderator"
    assert admin_client.post(f"/admin/users/{customer.id}/role",
                             data={"role": "king"}).status_code == 400
    assert admin_client.post("/admin/users/9999/role", data={"role": "customer"}).status_code == 404


def test_last_admin_stays_admin(admin):
    with pytest.raises(ValidationError, match="last admin"):
        services.change_role(admin, admin, "customer")


def test_user_search(admin_client, make_user):
    make_user("findme")
    html = admin_client.get("/admin/users?q=FIND").get_data(as_text=True)
    assert "findme" in html and "casey" not in html
    assert db.session.scalar(select(User).where(User.username == "findme")) is not None
