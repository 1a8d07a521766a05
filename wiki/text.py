"""Small text helpers shared by every area."""
import re
import unicodedata

_SLUG_STRIP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_SPACE = re.compile(r"[-\s_]+")


def slugify(text, max_length=200):
    """``"Faster Checkout!"`` → ``"faster-checkout"``; stable, lower-case, ASCII where possible."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _SLUG_STRIP.sub("", text).strip().lower()
    return _SLUG_SPACE.sub("-", text).strip("-")[:max_length].strip("-")


def has_control_chars(text):
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r" for ch in text)


def has_surrogates(text):
    return any("\ud800" <= ch <= "\udfff" for ch in text)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text):
    """``text`` without the characters XML 1.0 cannot carry (control characters, surrogates)."""
    return _XML_INVALID.sub("", text) if text else text
