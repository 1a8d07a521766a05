"""Products: the list, the hubs with sortable paginated lists, and the admins' forms."""
import pytest
from sqlalchemy import select

from wiki.errors import Conflict, ValidationError
from wiki.extensions import db
from wiki.models import Event, Product
from wiki.products.services import create_product, update_product


def test_admin_creates_and_renames_a_product_keeping_its_address(admin_client):
    response = admin_client.post("/products/new", data={"name": "Acme Watch", "description": "Tells time."})
    assert response.status_code == 302 and response.location.endswith("/products/acme-watch")
    product = db.session.scalar(select(Product))
    response = admin_client.post("/products/acme-watch/edit", data={"name": "Acme Watch 2",
                                                                   "description": "Better."})
    assert response.status_code == 302
    assert (product.slug, product.name, product.description) == ("acme-watch", "Acme Watch 2", "Better.")
    kinds = [e.kind for e in db.session.scalars(select(Event).order_by(Event.id))]
    assert kinds == ["product.created", "product.updated"]


@pytest.mark.parametrize("role_client", ["client", "customer_client", "moderator_client", "innovator_client"])
def test_only_admins_manage_products(request, role_client, product):
    client = request.getfixturevalue(role_client)
    for url in ("/products/new", f"/products/{product.slug}/edit"):
        assert client.get(url).status_code in (302, 403)
        assert client.post(url, data={"name": "Hijacked"}).status_code in (302, 403)
    assert db.session.scalar(select(Product.name)) == "Acme Phone"


def test_product_names_are_checked(admin, product):
    with pytest.raises(ValidationError):
        create_product(admin, "   ")
    with pytest.raises(ValidationError):
        create_product(admin, "x" * 121)
    with pytest.raises(Conflict):
        create_product(admin, "acme phone")
    with pytest.raises(ValidationError):
        create_product(admin, "New")  # /products/new is the form
    other = create_product(admin, "Other")
    with pytest.raises(Conflict):
        update_product(admin, other, "Acme Phone")


def test_bad_product_form_is_a_400_with_the_message(admin_client):
    response = admin_client.post("/products/new", data={"name": ""})
    assert response.status_code == 400 and "A product needs a name." in response.get_data(as_text=True)


def test_products_index_lists_products_with_counts(client, make_page, product):
    assert "An administrator adds them" not in client.get("/products/").get_data(as_text=True)
    make_page("Nice phone", kind="review")
    html = client.get("/products/").get_data(as_text=True)
    assert "Acme Phone" in html and "1 page" in html


def test_empty_products_index_says_what_to_do(client, admin_client):
    assert "An administrator adds them" in client.get("/products/").get_data(as_text=True)
    assert "Add the first one" in admin_client.get("/products/").get_data(as_text=True)


def test_hub_lists_each_kind_with_its_tags(client, make_page, product):
    make_page("Great camera", kind="review", tags=["camera"])
    make_page("Use night mode", kind="recommendation", tags=["camera", "tips"])
    make_page("Add RAW photos", kind="proposal")
    make_page("Unrelated article")
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert 'id="reviews"' in html and 'id="recommendations"' in html and 'id="proposals"' in html
    for title in ("Great camera", "Use night mode", "Add RAW photos"):
        assert title in html
    assert "Unrelated article" not in html
    assert '/tags/camera">camera <span class="muted">2</span>' in html
    assert client.get("/products/nope").status_code == 404


def test_hub_lists_sort_and_paginate_independently(client, make_page, product):
    from wiki.pages.services import get_page

    for n in range(12):
        make_page(f"Review {n:02d}", kind="review")
    top = get_page("review-03")
    top.votes_up = 9
    db.session.commit()
    by_score = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert by_score.index("Review 03") < by_score.index("Review 11")
    by_title = client.get(f"/products/{product.slug}?review_sort=title").get_data(as_text=True)
    assert "Review 00" in by_title and "Review 11" not in by_title and "review_page=2" in by_title
    second = client.get(f"/products/{product.slug}?review_sort=title&review_page=2").get_data(as_text=True)
    assert "Review 11" in second and "Review 00" not in second
    by_new = client.get(f"/products/{product.slug}?review_sort=new").get_data(as_text=True)
    assert by_new.index("Review 11") < by_new.index("Review 02")
    assert client.get(f"/products/{product.slug}?review_sort=bogus&review_page=x").status_code == 200


def test_hub_renders_its_slots(app, client, product):
    from wiki import slots

    seen = []
    for name in ("product.header", "product.aside"):
        slots._slots.setdefault(name, []).append(
            (99, "pages/_preview.html", lambda product, _n=name: seen.append((_n, product.slug)) or {"html": ""}))
    try:
        client.get(f"/products/{product.slug}")
    finally:
        for name in ("product.header", "product.aside"):
            slots._slots[name] = [e for e in slots._slots[name] if e[0] != 99]
    assert seen == [("product.header", "acme-phone"), ("product.aside", "acme-phone")]
