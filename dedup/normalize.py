"""Normalisation for matching only: reports always quote the raw text.

Two paragraphs are an exact repeat when their normalised forms are equal, so this decides what
"the same paragraph" means: Unicode compatibility forms (NFKC), case, typographic quotes and dashes,
and runs of white space do not count as differences.
"""

from __future__ import annotations

import unicodedata

# Bump whenever the output of normalize() changes: stored indexes record it.
NORMALIZER_VERSION = 2

_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u00b4"  # no ASCII here: ASCII text takes the fast path
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# str.replace per character present, not str.translate: translate looks every character of a
# non-ASCII text up in a dict (0.42 s for the 28 such documents of the Debian corpus; 0.01 s now).
_REPLACEMENTS = tuple((c, "'") for c in _QUOTES) + tuple((c, '"') for c in _DOUBLE_QUOTES) + tuple(
    (c, "-") for c in _DASHES)


def fold(text: str) -> str:
    """NFKC, case, quotes and dashes, character by character (white space is left as it is)."""
    if text.isascii():
        return text.lower()  # ASCII has nothing for NFKC, quotes or dashes to change
    text = unicodedata.normalize("NFKC", text).casefold()
    # casefold can leave non-NFKC sequences behind (e.g. U+0130), so normalise once more.
    text = unicodedata.normalize("NFKC", text)
    for character, replacement in _REPLACEMENTS:
        if character in text:
            text = text.replace(character, replacement)
    return text


def normalize(text: str) -> str:
    """Return the matching form of ``text`` (idempotent: normalize(normalize(t)) == normalize(t))."""
    return " ".join(fold(text).split())
