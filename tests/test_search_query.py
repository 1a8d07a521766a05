"""The query language, parsed without any backend."""
from wiki.search.query import MAX_QUERY_CHARS, MAX_TERMS, Term, parse, parse_sort
from wiki.search.services import safe_snippet


def test_words_phrases_or_not_and_prefixes():
    query = parse('"dark mode" OR theme -beta NOT gamma check*')
    assert query.must == [(Term(("dark", "mode"), "phrase"), Term(("theme",))),
                          (Term(("check",), "prefix"),)]
    assert query.must_not == [(Term(("beta",)),), (Term(("gamma",)),)]


def test_field_filters_from_the_query_and_the_form():
    query = parse('kind:Proposal status:"under review" tag:Dark-Mode author:Casey', {"product": "acme-phone"})
    assert query.filters == {"kind": ["proposal"], "status": ["under_review"], "tag": ["dark-mode"],
                             "author": ["casey"], "product": ["acme-phone"]}
    assert query.must == []
    assert not query.is_empty


def test_unknown_fields_and_stray_syntax_fall_back_to_plain_words():
    assert parse("colour:blue").must == [(Term(("colour",)),), (Term(("blue",)),)]
    assert parse('"unbalanced (quote').must == [(Term(("unbalanced",)),), (Term(("quote",)),)]
    for raw in ("*", "kind:", "OR", "NOT", "-", ":", "the of and", "\x00\x1b"):
        assert parse(raw).is_empty, raw


def test_queries_are_capped_in_length_and_terms():
    long = parse("word " * 5000)
    assert len(long.must) <= MAX_TERMS
    assert long.notices
    assert parse("x" * 100_000).notices[0].startswith(f"Your search was shortened to {MAX_QUERY_CHARS}")


def test_control_characters_are_spaces():
    assert parse("check\x00out").must == [(Term(("check",)),), (Term(("out",)),)]


def test_sort_falls_back_to_relevance():
    assert parse_sort("votes") == "votes"
    assert parse_sort("DROP TABLE") == "relevance"


def test_snippets_escape_everything_but_the_marks():
    html = str(safe_snippet("<img src=x onerror=alert(1)> \x02word\x03 \x02unclosed"))
    assert html == "&lt;img src=x onerror=alert(1)&gt; <mark>word</mark> unclosed"


def test_a_whoosh_search_that_runs_too_long_shows_what_it_found(app, make_page, monkeypatch):
    from whoosh.collectors import TimeLimit

    from wiki.search import services
    from wiki.search.backends import whoosh_backend

    for n in range(3):
        make_page(f"Common words {n}", body="the same common words again")

    class StopsAtOnce(whoosh_backend._GuardedCollector):
        def collect_matches(self):
            for sub_docnum in self.child.matches():
                self.child.collect(sub_docnum)
                raise TimeLimit

    monkeypatch.setattr(whoosh_backend, "_GuardedCollector", StopsAtOnce)
    results = services.search('"common words"')
    assert len(results.items) == 1
    assert any("took too long" in notice for notice in results.notices)


def test_whoosh_snippets_are_the_ones_whooshs_own_highlighter_makes():
    """The backend's quick highlighter must choose and mark the same fragments as Whoosh's
    (ContextFragmenter(160, 50), basic scorer, top two in text order) on any text."""
    import random

    from whoosh import highlight

    from wiki.search.backends.base import MARK_END, MARK_START
    from wiki.search.backends.whoosh_snippets import ANALYZER as _ANALYZER, _highlight

    class Marks(highlight.Formatter):
        between = " … "

        def format_token(self, text, token, replace=False):
            return MARK_START + highlight.get_text(text, token, replace) + MARK_END

    words = ("Battery batteries the screen, screens is as support supported charging charger "
             "4.2.1 e-mail dark-mode modes of a night\n\n- hinge").split(" ")
    rnd = random.Random(3)
    for _ in range(300):
        text = " ".join(rnd.choice(words) for _ in range(rnd.randint(0, 160)))
        stems = frozenset(rnd.sample(["batteri", "screen", "support", "charg", "as", "4.2.1",
                                      "mode", "night"], rnd.randint(1, 3)))
        prefixes = tuple(rnd.sample(["char", "su", "mo"], rnd.randint(0, 1)))
        stemmed = {t.text for t in _ANALYZER(text, removestops=False)}  # a prefix's expansion
        terms = stems | {s for s in stemmed if s.startswith(prefixes) and prefixes}
        expected = highlight.highlight(text, terms, _ANALYZER,
                                       highlight.ContextFragmenter(maxchars=160, surround=50),
                                       Marks(), top=2)
        assert _highlight(text, stems, prefixes) == expected, (text, stems, prefixes)
