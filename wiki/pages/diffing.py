"""Pure text functions: the three-way merge used by edits and the word-level diff shown to readers."""
import re
from difflib import SequenceMatcher

from markupsafe import Markup, escape


def _lines(text):
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").splitlines(keepends=True)


def _hunks(base, other):
    """The changes from ``base`` to ``other`` as ``(start, end, replacement_lines)`` on base."""
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [(i1, i2, other[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def merge3(base, mine, theirs):
    """Merge two edits of ``base``. Returns ``(merged_text, clean)``; when ``clean`` is False the
    two edits touch the same or neighbouring lines and ``merged_text`` is None."""
    ending = "" if (mine or "").endswith(("\n", "\r")) else "\n"
    base_lines, mine_lines, their_lines = (_lines(_with_newline(text)) for text in (base, mine, theirs))
    if mine_lines == their_lines:
        return _strip_added(mine_lines, ending), True
    hunks = sorted([(s, e, r, "mine") for s, e, r in _hunks(base_lines, mine_lines)]
                   + [(s, e, r, "theirs") for s, e, r in _hunks(base_lines, their_lines)],
                   key=lambda h: (h[0], h[1]))
    # two hunks from different sides conflict when their base ranges overlap or touch
    for index, first in enumerate(hunks):
        for second in hunks[index + 1:]:
            if second[0] > first[1]:
                break
            if first[3] != second[3] and not (first[:3] == second[:3]):
                return None, False
    out, position, seen = [], 0, set()
    for start, end, replacement, _side in hunks:
        key = (start, end, tuple(replacement))
        if key in seen:  # the same change made on both sides
            continue
        seen.add(key)
        out.extend(base_lines[position:start])
        out.extend(replacement)
        position = max(position, end)
    out.extend(base_lines[position:])
    return _strip_added(out, ending), True


def _with_newline(text):
    text = text or ""
    return text if not text or text.endswith(("\n", "\r")) else text + "\n"


def _strip_added(lines, ending):
    text = "".join(lines)
    return text[:-1] if ending and text.endswith("\n") else text


_TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def _word_diff(old, new):
    """Two Markup strings for one changed line, with changed words in <del>/<ins>."""
    a, b = _TOKEN_RE.findall(old), _TOKEN_RE.findall(new)
    left, right = [], []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if tag == "equal":
            left.append(old_part)
            right.append(new_part)
            continue
        if old_part:
            left.append(Markup('<del class="diff-word">%s</del>') % old_part)
        if new_part:
            right.append(Markup('<ins class="diff-word">%s</ins>') % new_part)
    return Markup("").join(left), Markup("").join(right)


def diff_rows(old_text, new_text, context=3):
    """Rows for a side-by-side diff: dicts with ``type`` (equal, delete, insert, change, skip),
    ``old``/``new`` Markup and 1-based line numbers. Unchanged runs keep ``context`` lines."""
    a, b = [line.rstrip("\n") for line in _lines(old_text)], [line.rstrip("\n") for line in _lines(new_text)]
    rows = []
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            span = list(range(i2 - i1))
            keep = set()
            if rows:  # context after the previous change
                keep |= set(span[:context])
            if index < len(opcodes) - 1:  # context before the next change
                keep |= set(span[-context:])
            skipped = False
            for k in span:
                if k in keep:
                    rows.append({"type": "equal", "old": a[i1 + k], "new": b[j1 + k],
                                 "old_no": i1 + k + 1, "new_no": j1 + k + 1})
                    skipped = False
                elif not skipped:
                    rows.append({"type": "skip"})
                    skipped = True
        elif tag == "replace":
            pairs = max(i2 - i1, j2 - j1)
            for k in range(pairs):
                old = a[i1 + k] if i1 + k < i2 else None
                new = b[j1 + k] if j1 + k < j2 else None
                if old is not None and new is not None:
                    left, right = _word_diff(old, new)
                    rows.append({"type": "change", "old": left, "new": right,
                                 "old_no": i1 + k + 1, "new_no": j1 + k + 1})
                elif old is not None:
                    rows.append({"type": "delete", "old": old, "new": None, "old_no": i1 + k + 1})
                else:
                    rows.append({"type": "insert", "old": None, "new": new, "new_no": j1 + k + 1})
        elif tag == "delete":
            for k in range(i1, i2):
                rows.append({"type": "delete", "old": a[k], "new": None, "old_no": k + 1})
        else:
            for k in range(j1, j2):
                rows.append({"type": "insert", "old": None, "new": b[k], "new_no": k + 1})
    return rows
