"""Shingles: hashed word n-grams of normalised segments, for many segments at once.

A batch of segments is joined into one array of code points and tokenised, hashed and shingled by
compiled loops (numba): no Python loop per token or per shingle. Tokens are runs of letters, digits
and marks; each CJK ideograph or kana is a token of its own, so unspaced scripts still shingle.
Tokens that start with a digit hash to one constant: numbers are masked for matching, so copies that
differ only in a figure still match (the diff stage reports the figure).

Why by hand: no library tokenises and hashes n-grams of many texts in compiled code with
stable 64-bit hashes (scikit-learn's HashingVectorizer was measured: it joins n-grams as Python
strings and is several times slower, see benchmarks/).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np

from dedup.normalize import fold as fold_case
from dedup.normalize import normalize

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
NUMBER_TOKEN = np.uint64(0x6E756D6265720000)  # "number": every token starting with a digit


def _character_tables() -> tuple[np.ndarray, ...]:
    """Per UTF-16 code unit: its folded form, and whether it is white space, part of a word, a
    one-character token, a digit, or beyond what the fold table can stand for (see ``_COMPLEX``)."""
    codes = np.arange(0x10000)
    fold = np.arange(0x10000, dtype=np.uint16)
    space = np.zeros(0x10000, dtype=np.bool_)
    word = np.zeros(0x10000, dtype=np.bool_)
    digit = np.zeros(0x10000, dtype=np.bool_)
    complex_ = np.zeros(0x10000, dtype=np.bool_)
    for code in range(0x10000):
        char = chr(code)
        category = unicodedata.category(char)
        space[code] = char.isspace()
        word[code] = category[0] in "LNM" or code == 0x5F
        digit[code] = category == "Nd"
        if 0xD800 <= code <= 0xDFFF or space[code]:
            continue
        folded = fold_case(char)
        if len(folded) == 1 and ord(folded) <= 0xFFFF and not folded.isspace():
            fold[code] = ord(folded)
        complex_[code] = code >= 0x80 and (
            len(folded) != 1 or ord(folded[0]) > 0xFFFF or folded.isspace() or category[0] == "M" or unicodedata.combining(char) != 0 or _is_jamo(code)
            or any(unicodedata.category(f)[0] == "M" or unicodedata.combining(f) or _is_jamo(ord(f)) for f in folded))
    single = (
        ((codes >= 0x3040) & (codes <= 0x30FF))  # kana
        | ((codes >= 0x3400) & (codes <= 0x4DBF))  # CJK extension A
        | ((codes >= 0x4E00) & (codes <= 0x9FFF))  # CJK unified ideographs
        | ((codes >= 0xF900) & (codes <= 0xFAFF))  # CJK compatibility ideographs
        | ((codes >= 0x0E00) & (codes <= 0x0E7F))  # Thai: no spaces between words
        | ((codes >= 0xD800) & (codes <= 0xDFFF))  # UTF-16 surrogate halves of astral characters
    )
    word |= (codes >= 0xD800) & (codes <= 0xDFFF)
    return fold, space, word, single & word, digit, complex_


def _is_jamo(code: int) -> bool:
    """Hangul jamo, which NFKC composes into syllables."""
    return 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F or 0xA960 <= code <= 0xA97F or 0xD7B0 <= code <= 0xD7FF


FOLD_TABLE, SPACE_TABLE, WORD_TABLE, SINGLE_TABLE, DIGIT_TABLE, _COMPLEX = _character_tables()
TABLES = (FOLD_TABLE, SPACE_TABLE, WORD_TABLE, SINGLE_TABLE, DIGIT_TABLE)  # what _tokenize takes
# Text with none of the _COMPLEX units folds character by character in the compiled loop: characters
# whose normal form is not one character ("ß" -> "ss"), combining marks and Hangul jamo (NFKC
# composes them with their neighbours); surrogates (anything outside the BMP) count too. Other text
# goes through normalize() first.


@nb.njit(inline="always")
def _fmix64(h: np.uint64) -> np.uint64:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@nb.njit(nogil=True, cache=True)
def _tokenize(codes, bounds, fold_table, space_table, word_table, single_table, digit_table):  # pragma: no cover
    """Token hashes of every segment; ``bounds[i]:bounds[i+1]`` are the code units of segment i.

    Case, quotes and dashes are folded and white space runs collapsed here, as ``normalize`` does,
    so ASCII text needs no Python pass. Returns (token hashes, token offsets per segment, exact hash
    of the normalised text of each segment).
    """
    n_segments = len(bounds) - 1
    tokens = np.empty(bounds[-1] - bounds[0] + 1, dtype=np.uint64)  # CJK: a token per code unit
    token_offsets = np.empty(n_segments + 1, dtype=np.int64)
    exact = np.empty(n_segments, dtype=np.uint64)
    n_tokens = 0
    for s in range(n_segments):
        token_offsets[s] = n_tokens
        whole = _FNV_OFFSET
        started = False
        pending_space = False
        in_token = False
        h = _FNV_OFFSET
        for i in range(bounds[s], bounds[s + 1]):
            raw = codes[i]
            if space_table[raw]:
                pending_space = started
                if in_token:
                    tokens[n_tokens] = _fmix64(h)
                    n_tokens += 1
                    in_token = False
                continue
            c = fold_table[raw]
            if pending_space:
                whole = (whole ^ np.uint64(32)) * _FNV_PRIME
                pending_space = False
            started = True
            whole = (whole ^ np.uint64(c)) * _FNV_PRIME
            is_word = word_table[c]
            is_single = single_table[c]
            if in_token and (not is_word or is_single):
                tokens[n_tokens] = _fmix64(h)
                n_tokens += 1
                in_token = False
            if is_word:
                if is_single:
                    tokens[n_tokens] = _fmix64((_FNV_OFFSET ^ np.uint64(c)) * _FNV_PRIME)
                    n_tokens += 1
                elif not in_token:
                    in_token = True
                    h = NUMBER_TOKEN if digit_table[c] else (_FNV_OFFSET ^ np.uint64(c)) * _FNV_PRIME
                elif h != NUMBER_TOKEN:
                    h = (h ^ np.uint64(c)) * _FNV_PRIME
        if in_token:
            tokens[n_tokens] = _fmix64(h)
            n_tokens += 1
        exact[s] = _fmix64(whole)
    token_offsets[n_segments] = n_tokens
    return tokens[:n_tokens], token_offsets, exact


@nb.njit(nogil=True, cache=True)
def _shingle(tokens, token_offsets, k):  # pragma: no cover - compiled
    """Sorted, de-duplicated k-shingle hashes per segment (CSR). Segments shorter than k tokens give
    one shingle of all their tokens, so short titles still have a set."""
    n_segments = len(token_offsets) - 1
    total = 0
    for s in range(n_segments):
        n = token_offsets[s + 1] - token_offsets[s]
        total += max(n - k + 1, 1 if n > 0 else 0)
    out = np.empty(total, dtype=np.uint64)
    offsets = np.empty(n_segments + 1, dtype=np.int64)
    pos = 0
    for s in range(n_segments):
        offsets[s] = pos
        first, last = token_offsets[s], token_offsets[s + 1]
        n = last - first
        if n == 0:
            continue
        count = max(n - k + 1, 1)
        width = min(k, n)
        for i in range(count):
            h = np.uint64(width)
            for j in range(width):
                h = (h ^ tokens[first + i + j]) * _GOLDEN + np.uint64(j)
            out[pos + i] = _fmix64(h)
        out[pos:pos + count].sort()
        unique = 1
        for i in range(pos + 1, pos + count):
            if out[i] != out[pos + unique - 1]:
                out[pos + unique] = out[i]
                unique += 1
        pos += unique
    offsets[n_segments] = pos
    return out[:pos], offsets


@nb.njit(nogil=True, cache=True)
def _gather(hashes, offsets, rows, out_offsets):  # pragma: no cover - compiled
    out = np.empty(out_offsets[-1], dtype=hashes.dtype)
    for i in range(len(rows)):
        out[out_offsets[i]:out_offsets[i + 1]] = hashes[offsets[rows[i]]:offsets[rows[i] + 1]]
    return out


@dataclass(frozen=True, slots=True)
class ShingleSets:
    """Shingle sets of a batch of segments in CSR form.

    ``hashes[offsets[i]:offsets[i+1]]`` is the sorted set of segment i; ``exact`` is a 64-bit hash of
    the whole normalised segment (numbers included); ``words`` its token count.
    """

    hashes: np.ndarray
    offsets: np.ndarray
    exact: np.ndarray
    words: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def get(self, i: int) -> np.ndarray:
        return self.hashes[self.offsets[i]:self.offsets[i + 1]]

    def subset(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The CSR ``(hashes, offsets)`` of ``rows`` only, copied without an index array the size of
        the result (the sentence sets of a corpus are its largest array)."""
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(self.sizes()[rows], out=offsets[1:])
        return _gather(self.hashes, self.offsets, np.asarray(rows, dtype=np.int64), offsets), offsets


def encode_texts(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one array of code units and their bounds: text i is ``codes[bounds[i]:bounds[i+1]]``.

    Every text is followed by one newline (white space), so tokens never cross texts. The work is a
    few C calls and numpy passes, no Python loop over texts (threads signing other batches wait for
    the GIL while this runs): ASCII text (the common case) is one byte per character; other text is
    UTF-16 (several times faster to encode than UTF-32; the tables cover every unit, and a surrogate
    half counts as a one-character token, so astral symbols still tokenise), and only the texts holding
    a character the compiled fold cannot stand for (see ``_COMPLEX``) are put in their
    normalised form first.
    """
    joined = "\n".join(itertools.chain(texts, ("",)))
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    if joined.isascii():
        return np.frombuffer(joined.encode("ascii"), dtype=np.uint8), _bounds(lengths)
    codes = np.frombuffer(joined.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    if len(codes) != len(joined):  # astral characters take two units: lengths text by text
        lengths = np.fromiter((_utf16_length(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    bounds = _bounds(lengths)
    wide = np.flatnonzero(codes > 0x7F)  # few: the complex test runs on these alone
    wide_codes = codes[wide]
    complex_units = wide[_COMPLEX[wide_codes] | ((wide_codes >= 0xD800) & (wide_codes <= 0xDFFF))]
    if len(complex_units) == 0:
        return codes, bounds
    # Normalise the few texts that need it and splice their code units in place of the raw ones.
    pieces, done = [], 0
    for i in np.unique(np.searchsorted(bounds, complex_units, side="right") - 1).tolist():
        normal = normalize(texts[i]) + "\n"
        pieces += [codes[done:bounds[i]], np.frombuffer(normal.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)]
        lengths[i] = len(pieces[-1])
        done = bounds[i + 1]
    return np.concatenate([*pieces, codes[done:]]), _bounds(lengths)


def _bounds(lengths: np.ndarray) -> np.ndarray:
    bounds = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    return bounds


def shingle_sets(texts: Sequence[str], k: int) -> ShingleSets:
    """Shingle raw texts with word ``k``-grams, in their normalised form (see :func:`normalize`).

    Text is folded character by character inside the compiled loop; only text with characters that
    NFKC composes or expands goes through :func:`normalize` first. Either way the result is that of
    the normalised text (property-tested).
    """
    tokens, token_offsets, exact = _tokenize(*encode_texts(texts), *TABLES)
    hashes, offsets = _shingle(tokens, token_offsets, k)
    return ShingleSets(hashes, offsets, exact, np.diff(token_offsets).astype(np.int32))


def _utf16_length(text: str) -> int:
    """Code units of ``text`` in UTF-16 (astral characters take two)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
