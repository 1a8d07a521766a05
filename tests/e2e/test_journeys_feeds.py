"""Subscribing to a product's feed: the hub advertises it, and it is Atom with the latest news."""
import xml.etree.ElementTree as ET

from playwright.sync_api import expect

from .conftest import create_page, unique

ATOM = "{http://www.w3.org/2005/Atom}"


def test_subscribe_to_a_product_feed(new_page, server):
    writer = new_page(user="alice")
    title = unique("Feed journey review")
    create_page(writer, title, "A review the feed should list first.", kind="review",
                product="acme-buds")

    page = new_page()
    page.goto("/products/acme-buds")
    advertised = page.locator('head link[rel=alternate][type="application/atom+xml"]')
    feeds = {link.get_attribute("title"): link.get_attribute("href") for link in advertised.all()}
    assert feeds.get("Acme Buds · CoWiki") == "/feeds/products/acme-buds.atom", feeds

    visible = page.get_by_role("link", name="Atom feed of Acme Buds")
    expect(visible).to_be_visible()
    assert visible.get_attribute("href") == feeds["Acme Buds · CoWiki"]

    response = page.request.get(visible.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.body())
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Acme Buds · CoWiki"
    alternate = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
    assert alternate == [server + "/products/acme-buds"]
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) >= 5
    newest = entries[0]
    assert newest.findtext(f"{ATOM}title") == f"alice created “{title}”"
    assert newest.findtext(f"{ATOM}author/{ATOM}name") == "alice"
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
        assert entry.find(f"{ATOM}link").get("href").startswith(server + "/wiki/")

    # the entry leads back to the page in the browser
    page.goto(newest.find(f"{ATOM}link").get("href"))
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
