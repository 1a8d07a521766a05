"""The one renderer: Markdown features, wiki links, the allow-list and the nesting guard."""
import pytest

from wiki.rendering import RenderError, render

from .hostile_inputs import HOSTILE, assert_safe


def test_there_are_at_least_fifty_hostile_inputs():
    assert len(HOSTILE) >= 50


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_renders_safely(source):
    html, _links = render(source)
    assert_safe(html)


def test_markdown_features_survive_the_cleaner():
    source = ("[TOC]\n\n## Setup\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n```python\nx = 1\n```\n\n"
              "Note[^1].\n\n[^1]: The footnote.\n")
    html, _ = render(source)
    assert '<div class="toc">' in html and '<h2 id="setup">Setup</h2>' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert '<code class="language-python">' in html
    assert 'id="fn:1"' in html and 'href="#fn:1"' in html


def test_wiki_links_are_blue_or_red_and_collected():
    html, links = render("See [[Dark Mode]] and [[Missing Page|this idea]].",
                         exists=lambda slug: slug == "dark-mode")
    assert '<a class="wikilink" href="/wiki/dark-mode">Dark Mode</a>' in html
    assert 'class="wikilink redlink" href="/new?title=Missing%20Page"' in html
    assert ">this idea</a>" in html
    assert links == {"dark-mode", "missing-page"}


def test_wiki_links_inside_code_are_left_alone():
    html, links = render("`[[Not A Link]]`")
    assert "wikilink" not in html and links == set()


def test_outside_links_get_nofollow_ugc_and_local_links_do_not():
    html, _ = render("[a](https://example.com) [b](HTTP://EXAMPLE.COM) [c](/wiki/x) "
                     "http://bare.example.com <a href='/x' rel='me'>d</a>")
    assert html.count('rel="nofollow ugc noopener"') == 3
    assert '<a href="/wiki/x">c</a>' in html and '<a href="/x">d</a>' in html


@pytest.mark.parametrize("source", [
    ">" * 3000 + " deep quote",
    "\n".join("    " * i + "- item" for i in range(3000)),
    "[" * 3000 + "x" + "]" * 3000,
    "<div>" * 3000 + "x" + "</div>" * 3000,
    "- " * 3000 + "x",
    "*" * 5000 + "x" + "*" * 5000,
    "[a](" * 3000,
])
def test_thousands_of_levels_of_nesting_are_refused(source):
    with pytest.raises(RenderError):
        render(source)


@pytest.mark.parametrize("source", [
    "Heading\n" + "-" * 80,
    "-" * 120,
    "*" * 3 + "\n\n" + "_" * 90,
    "I was sad :( " * 200,
    "> quote\n> > reply\n\n1. one\n    - two\n        - three",
])
def test_ordinary_text_is_not_mistaken_for_deep_nesting(source):
    html, _ = render(source)
    assert html


def test_control_characters_are_dropped():
    html, _ = render("a\x07b\x1bc")
    assert "abc" in html


@pytest.mark.parametrize("bad", ['<script>x</script>', '<a href="jav&#x09;ascript:x">x</a>',
                                 '<img src=x onerror=y>', '<p style="color:red">x</p>',
                                 '<svg></svg>', '<a href="DATA:text/html,x">x</a>'])
def test_the_safety_check_itself_catches_dangerous_html(bad):
    with pytest.raises(AssertionError):
        assert_safe(bad)
