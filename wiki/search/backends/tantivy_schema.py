"""What the tantivy index holds and how its words are analysed (see tantivy_backend): the schema,
the analyzer, shared by the pages indexed and the terms of a query, and a page as a document."""
import threading

from tantivy import Document, Filter, SchemaBuilder, TextAnalyzerBuilder, Tokenizer

from ..query import FILTER_FIELDS, STOP_WORDS

ANALYZER = "cowiki_english"
TEXT_FIELDS = ("title", "body", "tags_text")


def _schema():
    builder = SchemaBuilder()
    builder.add_integer_field("page_id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=name == "body", tokenizer_name=ANALYZER)
    for name in FILTER_FIELDS:  # exact values, casefolded here as the query parser does
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("updated", fast=True)  # microseconds since 1970, for sort=newest
    builder.add_integer_field("score", fast=True)  # votes up minus down, for sort=votes
    builder.add_bytes_field("stamp", stored=True)  # for drift checks; never searched
    return builder.build()


# Plain data, like the analyzers below (no threads, no files): safe to share with forked children.
SCHEMA = _schema()


def analyzer():
    """Stemming is Snowball's English (Porter's second version; Whoosh uses the first)."""
    return (TextAnalyzerBuilder(Tokenizer.simple())
            .filter(Filter.lowercase())
            .filter(Filter.custom_stopword(sorted(STOP_WORDS)))
            .filter(Filter.stemmer("english"))
            .build())


_analyzers = threading.local()


def analyse(text):
    """``[(position, word), ...]``: ``text`` as the index sees it. Positions keep the gaps of
    removed stop words, so a phrase matches the same words in the same places."""
    found = getattr(_analyzers, "analyzer", None)
    if found is None:  # one per thread: an analyzer keeps state while it works
        found = _analyzers.analyzer = analyzer()
    return [(token.position, token.text) for token in found.pre_tokenize(text).tokens]


def document(doc):
    """What the index holds for a page (``documents.Document``)."""
    fields = Document()
    fields.add_integer("page_id", int(doc.page_id))
    fields.add_text("title", doc.title or "")
    fields.add_text("body", doc.body or "")
    fields.add_text("tags_text", " ".join(doc.tags))
    for name in ("kind", "product", "status", "author"):
        value = getattr(doc, name)
        if value:
            fields.add_text(name, str(value).casefold())
    for tag in doc.tags:
        fields.add_text("tag", tag.casefold())
    fields.add_integer("updated", int(doc.updated_at.timestamp() * 1_000_000) if doc.updated_at else 0)
    fields.add_integer("score", int(doc.score))
    fields.add_bytes("stamp", doc.stamp.encode())
    return fields
