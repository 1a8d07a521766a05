"""Hostile values for short text fields (comments, summaries, tags, descriptions, bios, flag
notes, moderation reasons). Each entry: (label, value, accepted). ``accepted`` says whether a
field should store it (after cleaning) or refuse it with a clear message; never a 500."""

HOSTILE = [
    ("plain", "A normal sentence.", True),
    ("script tag", "<script>alert(1)</script>", True),  # stored as text, escaped on output
    ("img onerror", '<img src=x onerror="alert(1)">', True),
    ("javascript url", "[x](javascript:alert(1))", True),
    ("sql", "'; DROP TABLE users; --", True),
    ("template", "{{ config.SECRET_KEY }} {% raw %}", True),
    ("emoji", "Great 👍🏽 product 🎉", True),
    ("rtl override", "abc\u202edcba", True),
    ("zero width", "spam\u200b\u200c\u200dword", True),
    ("combining marks", "Z" + "\u0336" * 30, True),
    ("ideographic", "这是一个很好的产品", True),
    ("crlf", "line one\r\nline two", True),
    ("only spaces", "     ", True),
    ("NUL", "before\x00after", False),
    ("bell", "ring\x07", False),
    ("escape sequence", "\x1b[31mred\x1b[0m", False),
    ("lone surrogate", "broken\ud800text", False),
    ("backspace", "abc\x08\x08", False),
]

# a value one character over each field's limit must be refused with a message naming the limit
def too_long(limit):
    return "x" * (limit + 1)
