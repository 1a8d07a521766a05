"""Snippets of a Whoosh hit: the part of the page around what the query matched, with the
matched words marked (MARK_START … MARK_END), as Whoosh's own highlighter would mark them."""
from collections import deque
from functools import lru_cache

from whoosh.analysis import StemmingAnalyzer
from whoosh.lang.porter import stem as porter_stem

from ..query import STOP_WORDS
from .base import MARK_END, MARK_START

# the index's analyzer (whoosh_backend's schema uses it); snippets stem words the same way
ANALYZER = StemmingAnalyzer(stoplist=STOP_WORDS, minsize=1)


def highlighted_words(query):
    """``(stems, prefixes)``: a body word is highlighted when its stem is one of ``stems``
    or starts with one of ``prefixes`` (what the query's terms match in the index)."""
    stems, prefixes = set(), []
    for term in query.terms:
        if term.kind == "prefix":
            prefixes.append(term.words[0])
        else:
            stems.update(t.text for t in ANALYZER(" ".join(term.words), mode="query"))
    return frozenset(stems), tuple(prefixes)


def snippet(body, stems, prefixes=()):
    """The best fragments of ``body`` for these matched stems and prefixes, or its start."""
    return _highlight(_window(body, (*stems, *prefixes)), stems, prefixes) or body[:200]


def _window(body, stems, size=700):
    """The part of ``body`` around the first match: highlighting re-analyses the text it is
    given, which is the slow part of a Whoosh search, so give it a window, not the whole page."""
    if len(body) <= size:
        return body
    lower = body.lower()
    found = [pos for pos in (lower.find(stem) for stem in stems if stem) if pos >= 0]
    start = max(0, min(found) - 150) if found else 0
    return body[start:start + size]


_TOKEN = ANALYZER.items[0].expression  # the analyzer's own tokenizer pattern
_stem = lru_cache(maxsize=50_000)(porter_stem)  # the analyzer's stemmer, with its cache size


def _highlight(text, stems, prefixes=(), maxchars=160, surround=50, top=2):
    """The best ``top`` fragments of ``text`` around words the query matches, in text order,
    joined by " … ", matches between MARK_START and MARK_END; "" when nothing matches.

    The same fragments as Whoosh's highlighter with a ContextFragmenter(maxchars, surround) and
    its basic scorer (same state machine, same scores and tie-breaks), without a Token object per
    word run through the analyzer's chain of generators: that took 5 of a one-word search's
    9 ms at 50,000 pages."""
    fragments = []
    firsts = deque()
    first, countdown, currentlen, matches, endchar = None, -1, 0, [], 0
    for found in _TOKEN.finditer(text):
        startchar, endchar = found.span()
        word = found.group().lower()
        if word in STOP_WORDS:  # left unstemmed, as Whoosh's analyzer leaves them
            matched = word in stems
        else:
            word = _stem(word)
            matched = word in stems or (bool(prefixes) and word.startswith(prefixes))
        length = endchar - startchar
        if countdown < 0 and not matched:
            firsts.append(startchar)  # context before a fragment
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + length > maxchars:
            countdown = 0  # the fragment is full: end it here
        elif matched:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround  # no context before it: give more after
            matches.append((startchar, endchar, word))
        if countdown >= 0:
            currentlen += length
            countdown -= length
            if countdown <= 0:
                if matches:
                    fragments.append((first, endchar, matches))
                firsts, first, currentlen, matches = deque(), None, 0, []
    if matches:
        fragments.append((first, endchar, matches))
    # Whoosh's basic scorer: matches x distinct words x 100; a tie goes to the later fragment
    scored = sorted(fragments, key=lambda f: (len(f[2]) * len({m[2] for m in f[2]}), f[0]),
                    reverse=True)
    return " … ".join(_marked(text, f) for f in sorted(scored[:top], key=lambda f: f[0]))


def _marked(text, fragment):
    start, end, matches = fragment
    parts, index = [], start
    for startchar, endchar, _word in matches:
        if startchar < index:
            continue
        parts += [text[index:startchar], MARK_START, text[startchar:endchar], MARK_END]
        index = endchar
    parts.append(text[index:end])
    return "".join(parts)
