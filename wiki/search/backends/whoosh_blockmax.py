"""Exact per-block score bounds for Whoosh, so a top-N search can skip posting blocks.

Whoosh skips a block of postings when the best score any document in it could reach is no higher
than the worst of the current top N. It bounds that score from the block's largest term weight and
shortest field length, which usually belong to different documents; for a word in nearly every
page that bound sits above the real best score in every block, nothing is skipped and all 50,000
documents are scored in pure Python (~240 ms). ``BlockMaxBM25F`` scores exactly like Whoosh's
BM25F but bounds each block by its real best score: the first search reading a block notes which
(weight, length) pairs could be best in it (a handful), and later searches skip the block unless
one of those pairs beats the top N.

The notes depend only on the segment's postings, and segments never change once written (deleting
a document only lowers a block's best score), so they are kept across searchers and index changes,
keyed by segment id; the index statistics BM25 uses (idf, average length) are applied at search
time, so they are never stale.
"""
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching import wrappers
from whoosh.util.numeric import byte_to_length


class BlockNotes:
    """Best (weight, length) pairs per posting block, and field lengths per segment, bounded."""

    def __init__(self, max_blocks=50_000, max_length_tables=64):
        self.max_blocks = max_blocks
        self.max_length_tables = max_length_tables
        self.blocks = {}
        self.lengths = {}

    def segment_lengths(self, reader, segment_id, fieldname):
        """Every document's encoded field length in one segment, as bytes (one read)."""
        key = (segment_id, fieldname)
        found = self.lengths.get(key)
        if found is None:
            count = reader.doc_count_all()
            column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            raw = b"" if column is None else column._dbfile.get(column._basepos, min(column._count, count))
            found = bytes(raw) + bytes(count - len(raw))
            if len(self.lengths) >= self.max_length_tables:
                self.lengths.clear()
            self.lengths[key] = found
        return found

    def remember(self, key, frontier):
        if len(self.blocks) >= self.max_blocks:
            self.blocks.clear()
        self.blocks[key] = frontier


class BlockMaxBM25F(scoring.BM25F):
    """Whoosh's BM25F (same scores) with exact block bounds for scorable text fields."""

    def __init__(self, notes, **kwargs):
        super().__init__(**kwargs)
        self.notes = notes

    def scorer(self, searcher, fieldname, text, qf=1):
        reader = searcher.reader()
        if not searcher.schema[fieldname].scorable or not hasattr(reader, "segment") \
                or not hasattr(reader, "_perdoc"):
            return super().scorer(searcher, fieldname, text, qf=qf)
        B = self._field_B.get(fieldname, self.B)
        return _BlockMaxScorer(searcher, fieldname, text, B, self.K1, qf, self.notes)


class _BlockMaxScorer(scoring.BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf, notes):
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)
        self._notes = notes
        self._reader = searcher.reader()
        self._segment_id = self._reader.segment().segment_id()
        self._fieldname = fieldname
        self._key = (self._segment_id, fieldname, text)

    def block_quality(self, matcher):
        offset = getattr(matcher, "_dataoffset", None)
        if offset is None or not hasattr(matcher, "_read_ids"):
            return super().block_quality(matcher)
        key = self._key + (offset,)
        frontier = self._notes.blocks.get(key)
        if frontier is None:
            frontier = self._frontier(matcher)
            self._notes.remember(key, frontier)
        score = self._score
        return max(score(weight, length) for weight, length in frontier)

    def _frontier(self, matcher):
        """The block's (weight, length) pairs not beaten by another with a higher weight and a
        shorter length: the best score in the block is one of theirs, whatever idf/avgfl are."""
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        lengths = self._notes.segment_lengths(self._reader, self._segment_id, self._fieldname)
        shortest = {}
        for docnum, weight in zip(matcher._ids, matcher._weights):
            encoded = lengths[docnum]
            if shortest.get(weight, 256) > encoded:
                shortest[weight] = encoded
        frontier = []
        for weight in sorted(shortest, reverse=True):
            if not frontier or shortest[weight] < frontier[-1][1]:
                frontier.append((weight, shortest[weight]))
        return tuple((weight, byte_to_length(encoded)) for weight, encoded in frontier)


def _filter_skip_to_quality(self, minquality):
    # whoosh-reloaded 2.7.5's FilterMatcher (it hides deleted documents) inherits a
    # skip_to_quality that can stop on a deleted document; step past it as next() does.
    skipped = self.child.skip_to_quality(minquality / self.boost)
    self._find_next()
    return skipped


wrappers.FilterMatcher.skip_to_quality = _filter_skip_to_quality
