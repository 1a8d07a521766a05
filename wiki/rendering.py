"""The one Markdown → sanitized HTML function, and its allow-lists.

Rendering happens once, when a revision or comment is saved; views show the stored HTML.
"""
import re
import unicodedata
from functools import partial
import xml.etree.ElementTree as etree

import bleach
from bleach.linkifier import LinkifyFilter
from bleach.css_sanitizer import CSSSanitizer
from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from .text import slugify

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "mark",
    "section", "nav",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "class", "id", "rel"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height"],
    "td": ["align", "colspan", "rowspan"],
    "th": ["align", "colspan", "rowspan"],
    "h1": ["id"], "h2": ["id"], "h3": ["id"], "h4": ["id"], "h5": ["id"], "h6": ["id"],
    "li": ["id"], "sup": ["id"], "div": ["class"], "span": ["class"], "code": ["class"],
    "ol": ["start"], "nav": ["class"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
CSS_SANITIZER = CSSSanitizer(allowed_css_properties=[])

MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "footnotes", "toc", "sane_lists", "abbr", "def_list"]
MARKDOWN_CONFIG = {"toc": {"permalink": False, "toc_depth": "2-4"}}

WIKI_LINK_RE = r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]"


class RenderError(ValueError):
    """The source cannot be rendered safely (for example, it nests too deeply)."""


class _WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern, md, exists, links):
        super().__init__(pattern, md)
        self.exists = exists
        self.links = links

    def handleMatch(self, m, data):
        target = m.group(1).strip()
        label = (m.group(2) or target).strip()
        slug = slugify(target)
        el = etree.Element("a")
        el.text = label
        if not slug:
            return None, None, None
        self.links.add(slug)
        if self.exists(slug):
            el.set("href", f"/wiki/{slug}")
            el.set("class", "wikilink")
        else:
            from urllib.parse import quote

            el.set("href", f"/new?title={quote(target)}")
            el.set("class", "wikilink redlink")
            el.set("title", f"{target} (page does not exist yet)")
        return el, m.start(0), m.end(0)


class _WikiLinkExtension(Extension):
    def __init__(self, exists, links):
        self.exists = exists
        self.links = links
        super().__init__()

    def extendMarkdown(self, md):
        md.inlinePatterns.register(_WikiLinkProcessor(WIKI_LINK_RE, md, self.exists, self.links),
                                   "cowiki_wikilink", 175)


# A block marker opens one level: a quote ">", or a list item ("-", "*", "+", "1.") followed by
# a space. Runs of "-" or "*" without spaces are rules and heading underlines, not nesting.
_MARKER_RE = re.compile(r"[ \t]{0,3}(?:>|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t]))")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]{0,30})\b[^<>]*?(/?)>")
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                        "param", "source", "track", "wbr"})


def _block_depth(line):
    depth = pos = 0
    while True:
        match = _MARKER_RE.match(line, pos)
        if not match:
            return depth
        depth += 1
        pos = match.end()


def _bracket_depth(source):
    """``(deepest, unclosed)``: the deepest *matched* nesting of [] or () (unmatched openers such
    as ":(" do not count), and the most openers left unclosed in one block, which make the link
    parser search ahead again and again."""
    deepest = unclosed = 0
    for opener, closer in ("[]", "()"):
        for block in source.split("\n\n"):
            opens = []
            for ch in block:
                if ch == opener:
                    opens.append(ch)
                elif ch == closer and opens:
                    deepest = max(deepest, len(opens))
                    opens.pop()
            unclosed = max(unclosed, len(opens))
    return deepest, unclosed


def _tag_depth(source):
    depth = deepest = 0
    for closing, name, self_closing in _TAG_RE.findall(source):
        if name.lower() in _VOID_TAGS or self_closing:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def check_nesting(source, limit):
    """Refuse Markdown nested deeper than ``limit`` levels (quotes, lists, indentation, brackets,
    raw HTML), before the parser spends time or stack on it."""
    for line in source.splitlines():
        if _block_depth(line) > limit:
            raise RenderError(f"The text is nested more than {limit} levels deep.")
        leading = len(line) - len(line.lstrip(" \t"))
        if leading > limit * 4 * 2:
            raise RenderError(f"The text is indented more than {limit} levels deep.")
    deepest, unclosed = _bracket_depth(source)
    if deepest > limit * 5:
        raise RenderError(f"The text nests brackets more than {limit * 5} levels deep.")
    if unclosed > limit * 10:
        raise RenderError(f"A paragraph leaves more than {limit * 10} brackets unclosed.")
    if _tag_depth(source) > limit * 5:
        raise RenderError(f"The text nests HTML tags more than {limit * 5} levels deep.")


def _set_link_rel(attrs, new=False):
    """Outside links get ``rel="nofollow ugc noopener"``; on-site links carry no rel."""
    href = attrs.get((None, "href"), "").strip().lower()
    if href.startswith(("http://", "https://", "//")):
        attrs[(None, "rel")] = "nofollow ugc noopener"
    else:
        attrs.pop((None, "rel"), None)
    return attrs


def clean_html(html):
    """Sanitize HTML with the allow-lists, then linkify bare URLs, in one html5lib pass; outside
    links get ``rel="nofollow ugc"``."""
    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True,
        strip_comments=True, css_sanitizer=CSS_SANITIZER,
        filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"},
                         parse_email=False)])
    return cleaner.clean(html)


def normalise_source(source):
    """Unify newlines and drop control characters other than tab and newline."""
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in source
                   if ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cs"))


def render(source, exists=lambda slug: True, nesting_limit=40):
    """Render Markdown to safe HTML. Returns ``(html, linked_slugs)``."""
    source = normalise_source(source)
    check_nesting(source, nesting_limit)
    links = set()
    md = Markdown(extensions=MARKDOWN_EXTENSIONS + [_WikiLinkExtension(exists, links)],
                  extension_configs=MARKDOWN_CONFIG, output_format="html")
    try:
        html = md.convert(source)
    except RecursionError as exc:  # pathological input the nesting check did not catch
        raise RenderError("The text is nested too deeply to display.") from exc
    return clean_html(html), links
