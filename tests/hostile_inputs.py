"""Hostile Markdown and HTML, and the check that nothing dangerous survives rendering."""
import re
from html.parser import HTMLParser

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" ONERROR="alert(1)">',
    "<img src=x onerror  =  alert(1)>",
    "<body onload=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](java&#115;cript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](x" onerror="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '<http://x.example" onmouseover="alert(1)>',
    "<javascript:alert(1)>",
    "[[javascript:alert(1)]]",
    "[[Page|<img src=x onerror=alert(1)>]]",
    '[[x" onmouseover="alert(1)]]',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="x:expression(alert(1))">x</p>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    "<input onfocus=alert(1) autofocus>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="javascript\u200b:alert(1)">x</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<a href="&#0000106avascript:alert(1)">x</a>',
    '<img src="jav\tascript:alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    "<marquee onstart=alert(1)>x</marquee>",
    "`code` <a href='javascript:alert(1)'>x</a>",
    '<a href="DATA:text/html,x">x</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<a href="//evil.example" onclick="steal()">x</a>',
    "<sCrIpT/x>alert(1)</script>",
    '<a href="&Tab;javascript:alert(1)">x</a>',
    "<img/src=x/onerror=alert(1)>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
]

DANGEROUS_TAGS = {"script", "iframe", "svg", "math", "style", "object", "embed", "form", "input",
                  "button", "meta", "base", "link", "frame", "frameset", "video", "audio",
                  "source", "noscript", "details", "marquee", "body", "textarea", "select"}
URL_ATTRS = {"href", "src", "action", "formaction", "background", "data", "xlink:href", "poster",
             "srcdoc", "content"}
_INVISIBLE = re.compile(r"[\x00-\x20\u200b-\u200f\u2028\u2029\ufeff]")


class _Elements(HTMLParser):
    """Collects ``(tag, [(attribute, unescaped value)])`` for every start tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def assert_safe(html):
    """No script, handler attribute, style attribute or dangerous URL scheme in ``html``."""
    assert "<script" not in html.lower(), html
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag.lower() not in DANGEROUS_TAGS, html
        for name, value in attrs:
            name = name.lower()
            assert not name.startswith("on"), html
            assert name != "style", html
            if name in URL_ATTRS and value:
                scheme = _INVISIBLE.sub("", value).lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), html
