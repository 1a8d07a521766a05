"""Parse what people type into a small, backend-neutral query.

The grammar is forgiving on purpose: words, ``"phrases"``, ``OR`` between two terms, ``NOT``/``-``
before a term, ``word*`` prefixes and ``field:value`` filters (kind, product, status, tag, author).
Anything it does not understand (unknown fields, stray quotes or parentheses, a lone ``*``) falls
back to plain words; queries are capped in length and number of terms so none is ever slow.
"""
import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 500
MAX_TERMS = 16
MIN_PREFIX = 2
FILTER_FIELDS = ("kind", "product", "status", "tag", "author")
SORTS = ("relevance", "newest", "votes")

# kept short and shared by both backends so they treat the same words as noise
STOP_WORDS = frozenset(
    "a an and are as at be by for from has have if in is it of on or that the this to was were will "
    "with".split())

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TOKEN = re.compile(r'(-?)(?:(\w+):)?("[^"]*"?|[^\s"]*)', re.UNICODE)
_FILTER_VALUE = re.compile(r"[^\w\s.-]", re.UNICODE)


@dataclass(frozen=True)
class Term:
    """One searchable unit: a word, a prefix (``word*``) or a phrase of several words."""

    words: tuple
    kind: str = "word"  # word | prefix | phrase

    def text(self):
        joined = " ".join(self.words)
        if self.kind == "phrase":
            return f'"{joined}"'
        return joined + ("*" if self.kind == "prefix" else "")


@dataclass
class Query:
    # every clause must match; a clause is a tuple of alternatives (joined by OR)
    must: list = field(default_factory=list)
    must_not: list = field(default_factory=list)
    filters: dict = field(default_factory=dict)  # field -> list of accepted values
    notices: list = field(default_factory=list)

    @property
    def terms(self):
        return [term for clause in self.must for term in clause]

    @property
    def is_empty(self):
        return not self.must and not self.filters

    def words(self):
        """The plain words of the positive terms (for spelling suggestions)."""
        return [w for term in self.terms if term.kind == "word" for w in term.words]

    def text(self):
        """The query written back out, e.g. for a "did you mean" link."""
        parts = [" OR ".join(t.text() for t in clause) for clause in self.must]
        parts += ["NOT " + " OR ".join(t.text() for t in clause) for clause in self.must_not]
        for name, values in self.filters.items():
            parts += [f"{name}:{value}" for value in values]
        return " ".join(parts)


def clean_text(raw):
    """Control characters become spaces; the text is capped in length."""
    raw = str(raw or "")
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") else ch
                      for ch in raw[:MAX_QUERY_CHARS * 2])
    return cleaned[:MAX_QUERY_CHARS]


def words_of(text):
    return [w.casefold() for w in _WORD.findall(text or "")]


def _term(raw):
    """A bare token (no field) as a Term, or None when nothing searchable is left."""
    if raw.startswith('"'):
        words = [w for w in words_of(raw.strip('"'))]
        if not words:
            return None
        if len(words) == 1:
            return Term((words[0],))
        return Term(tuple(words[:MAX_TERMS]), "phrase")
    prefix = raw.endswith("*")
    words = [w for w in words_of(raw) if w]
    if not words:
        return None
    if len(words) > 1:  # e-mail, 4.2.1: the parts next to each other
        return Term(tuple(words[:MAX_TERMS]), "phrase")
    word = words[0]
    if prefix and len(word) >= MIN_PREFIX:
        return Term((word,), "prefix")
    if word in STOP_WORDS:
        return None
    return Term((word,))


def parse(raw, filters=None):
    """``raw`` text plus form filters (``{"kind": "proposal"}``) → Query. Never raises."""
    query = Query()
    text = clean_text(raw)
    if len(str(raw or "")) > MAX_QUERY_CHARS:
        query.notices.append(f"Your search was shortened to {MAX_QUERY_CHARS} characters.")
    text = text.replace("(", " ").replace(")", " ")
    if text.count('"') % 2:
        text = text.replace('"', " ")
    pending_or = False
    negate_next = False
    term_count = 0
    for match in _TOKEN.finditer(text):
        dash, name, value = match.groups()
        if not (dash or name or value):
            continue
        if not name and value in ("OR", "|"):
            pending_or = bool(query.must)
            continue
        if not name and value in ("AND", "&", "+"):
            continue
        if not name and value == "NOT":
            negate_next = True
            continue
        negate = negate_next or bool(dash)
        negate_next = False
        if name and name.casefold() in FILTER_FIELDS:
            _add_filter(query, name.casefold(), value.strip('"'))
            pending_or = False
            continue
        if name:  # unknown field: search for its words
            terms = [_term(w) for w in words_of(f"{name} {value}")]
        else:
            terms = [_term(value)]
        for term in terms:
            if term is None:
                continue
            term_count += 1
            if term_count > MAX_TERMS:
                break
            if negate:
                query.must_not.append((term,))
            elif pending_or and query.must:
                query.must[-1] = query.must[-1] + (term,)
            else:
                query.must.append((term,))
            pending_or = False
        if term_count > MAX_TERMS:
            query.notices.append(f"Only the first {MAX_TERMS} words were searched for.")
            break
    for name, value in (filters or {}).items():
        if name in FILTER_FIELDS and value:
            _add_filter(query, name, str(value))
    return query


def _add_filter(query, name, value):
    value = _FILTER_VALUE.sub("", clean_text(value)).strip()[:80]
    if not value:
        return
    value = value.casefold()
    value = ("_" if name == "status" else "-").join(value.split())
    values = query.filters.setdefault(name, [])
    if value not in values and len(values) < 5:
        values.append(value)


def parse_sort(raw):
    return raw if raw in SORTS else "relevance"
