"""PostgreSQL full-text search: documents in the ``search_documents`` table, in the same database,
so any number of hosts share one index. Writes happen in the draining transaction."""
import re

from sqlalchemy import Boolean, delete, func, literal, literal_column, not_, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert

from ...models import SearchDocument
from . import words
from .base import MARK_END, MARK_START, Hit, Hits, SearchBackend

CONFIG = "english"
HEADLINE_OPTIONS = (f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords=28, "
                    "MinWords=10, FragmentDelimiter=\" … \"")
SD = SearchDocument


def _tsvector():
    def weighted(column, weight):
        return func.setweight(func.to_tsvector(CONFIG, column), literal_column(f"'{weight}'"))

    return (weighted(SD.title, "A").op("||")(weighted(SD.tags, "B"))
            .op("||")(weighted(SD.body, "D")))


def _term_tsquery(term):
    if term.kind == "prefix":
        word = re.sub(r"[^\w]|_", "", term.words[0])
        return func.to_tsquery(CONFIG, literal(f"{word}:*")) if word else None
    if term.kind == "phrase":
        return func.phraseto_tsquery(CONFIG, " ".join(term.words))
    return func.plainto_tsquery(CONFIG, term.words[0])


def _any(queries):
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    result = queries[0]
    for q in queries[1:]:
        result = func.tsquery_or(result, q)
    return result


class PostgresBackend(SearchBackend):
    name = "postgres"

    def __init__(self, time_limit=5.0):
        self.time_limit = time_limit

    def index(self, session, documents, delete_ids=()):
        documents = list(documents)
        if delete_ids:
            session.execute(delete(SD).where(SD.page_id.in_(list(delete_ids))))
        if not documents:
            return
        rows = [{"page_id": d.page_id, "slug": d.slug, "title": d.title, "body": d.body,
                 "kind": d.kind, "product": d.product, "status": d.status, "author": d.author,
                 "tags": " " + " ".join(d.tags) + " " if d.tags else "",
                 "updated_at": d.updated_at, "score": d.score, "stamp": d.stamp, "tsv": ""}
                for d in documents]
        stmt = insert(SD).values(rows)
        columns = {name: stmt.excluded[name] for name in rows[0] if name != "page_id"}
        session.execute(stmt.on_conflict_do_update(index_elements=[SD.page_id], set_=columns))
        session.execute(update(SD).where(SD.page_id.in_([d.page_id for d in documents]))
                        .values(tsv=_tsvector()))
        words.remember(session, words.words_of(documents))

    def clear(self, session):
        session.execute(delete(SD))
        words.forget_all(session)

    def stamps(self, session):
        return dict(session.execute(select(SD.page_id, SD.stamp)).all())

    def size_bytes(self, session):
        return int(session.scalar(text(
            "SELECT pg_total_relation_size('search_documents') + pg_total_relation_size('search_words')")))

    def _conditions(self, query):
        conditions = []
        positive = None
        for clause in query.must:
            q = _any(_term_tsquery(t) for t in clause)
            if q is not None:
                positive = q if positive is None else func.tsquery_and(positive, q)
        if positive is not None:
            conditions.append(SD.tsv.op("@@", return_type=Boolean)(positive))
        for clause in query.must_not:
            q = _any(_term_tsquery(t) for t in clause)
            if q is not None:
                conditions.append(not_(SD.tsv.op("@@", return_type=Boolean)(q)))
        for name, values in query.filters.items():
            if name == "tag":
                conditions.append(or_(*[SD.tags.contains(f" {v} ", autoescape=True) for v in values]))
            else:
                conditions.append(getattr(SD, name).in_(values))
        return positive, conditions

    def search(self, session, query, sort="relevance", offset=0, limit=20):
        if not query.must and not query.filters:
            return Hits()
        positive, conditions = self._conditions(query)
        # a runaway query is cancelled (and answered as "search unavailable"), never left running
        session.execute(text(f"SET LOCAL statement_timeout = {int(self.time_limit * 1000)}"))
        total = session.scalar(select(func.count()).select_from(SD).where(*conditions))
        if not total:
            return Hits([], 0)
        if sort == "newest":
            order = [SD.updated_at.desc(), SD.page_id.desc()]
        elif sort == "votes":
            order = [SD.score.desc(), SD.updated_at.desc()]
        elif positive is not None:
            order = [func.ts_rank(SD.tsv, positive).desc(), SD.updated_at.desc()]
        else:
            order = [SD.updated_at.desc()]
        ids = session.scalars(select(SD.page_id).where(*conditions).order_by(*order)
                              .offset(offset).limit(limit)).all()
        snippets = {}
        if ids:
            if positive is not None:
                headline = func.ts_headline(CONFIG, func.left(SD.body, 20000), positive, HEADLINE_OPTIONS)
            else:
                headline = func.left(SD.body, 200)
            snippets = dict(session.execute(select(SD.page_id, headline).where(SD.page_id.in_(ids))).all())
        hits = [Hit(pid, snippets.get(pid) or "") for pid in ids]
        return Hits(hits, int(total))

    def count(self, session, query):
        if not query.must and not query.filters:
            return 0
        _positive, conditions = self._conditions(query)
        return int(session.scalar(select(func.count()).select_from(SD).where(*conditions)))

    def suggest_word(self, session, word):
        return words.suggest(session, word)
