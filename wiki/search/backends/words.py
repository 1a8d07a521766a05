"""Known words for "did you mean", kept in the ``search_words`` table of the wiki's database.

Whoosh suggests from its own index; PostgreSQL full-text search and tantivy have no suggester,
so those backends record the words of every page they index here (in the indexing transaction)
and suggest the closest known word that starts with the same letter.
"""
import difflib
import re

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...models import SearchWord

_SPELL_WORD = re.compile(r"[^\W\d_]{3,30}", re.UNICODE)
# rows per INSERT: one bound parameter each, well under SQLite's 32,766 and PostgreSQL's 65,535
_CHUNK = 5000


def words_of(documents):
    """The words worth suggesting in ``documents``' titles and bodies, casefolded."""
    words = set()
    for doc in documents:
        words.update(w.casefold() for w in _SPELL_WORD.findall(f"{doc.title} {doc.body}"))
    return words


def remember(session, words):
    """Add ``words`` to the known words; ones already known are left alone, on either database."""
    words = sorted(words)
    if not words:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for start in range(0, len(words), _CHUNK):
        rows = [{"word": w} for w in words[start:start + _CHUNK]]
        session.execute(insert(SearchWord).values(rows).on_conflict_do_nothing())


def forget_all(session):
    session.execute(delete(SearchWord))


def suggest(session, word):
    """A known word close to ``word`` with the same first letter and about its length, or None.

    Only words starting with the same letter are compared: difflib over every known word would
    take seconds on a large wiki, and a misspelt first letter is the rarest kind."""
    if len(word) < 3:
        return None
    candidates = session.scalars(
        select(SearchWord.word).where(SearchWord.word.startswith(word[0], autoescape=True),
                                      func.length(SearchWord.word).between(len(word) - 2, len(word) + 2))
    ).all()
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.75)
    return found[0] if found and found[0] != word else None
