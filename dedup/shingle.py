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

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

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
    one-character token, a digit, or beyond what the fold table can stand for (see ``_COMPLEX``).

    Built at import in every process, so in bulk: the non-ASCII characters are folded as one
    NUL-joined string (NUL is a starter: nothing composes across it) and only the few thousand that
    fold to something else are looked at one by one (0.13 s character by character, 0.06 s so)."""
    codes = np.arange(0x10000)
    chars = [chr(code) for code in range(0x10000)]
    categories = list(map(unicodedata.category, chars))
    major = np.array([category[0] for category in categories])
    surrogate = (codes >= 0xD800) & (codes <= 0xDFFF)
    space = np.fromiter(map(str.isspace, chars), dtype=np.bool_, count=0x10000)
    word = np.isin(major, ["L", "N", "M"]) | (codes == 0x5F) | surrogate
    digit = np.array(categories) == "Nd"
    mark = (major == "M") | np.fromiter(map(unicodedata.combining, chars), dtype=np.int64, count=0x10000).astype(bool)
    jamo = np.fromiter(map(_is_jamo, range(0x10000)), dtype=np.bool_, count=0x10000)
    fold = np.arange(0x10000, dtype=np.uint16)
    fold[:0x80] = np.frombuffer("".join(chars[:0x80]).lower().encode("ascii"), dtype=np.uint8)
    foldable = np.flatnonzero(~surrogate & ~space & (codes >= 0x80))
    complex_ = np.zeros(0x10000, dtype=np.bool_)
    complex_[foldable] = mark[foldable] | jamo[foldable]
    folded = fold_case("\0".join(chars[code] for code in foldable.tolist())).split("\0")
    for code, folded_char in zip(foldable.tolist(), folded, strict=True):
        if folded_char == chars[code]:
            continue
        if len(folded_char) == 1 and ord(folded_char) <= 0xFFFF and not folded_char.isspace():
            fold[code] = ord(folded_char)
        complex_[code] |= (len(folded_char) != 1 or ord(folded_char[0]) > 0xFFFF or folded_char.isspace()
                           or any(unicodedata.category(f)[0] == "M" or unicodedata.combining(f) or _is_jamo(ord(f))
                                  for f in folded_char))
    single = (
        ((codes >= 0x3040) & (codes <= 0x30FF))  # kana
        | ((codes >= 0x3400) & (codes <= 0x4DBF))  # CJK extension A
        | ((codes >= 0x4E00) & (codes <= 0x9FFF))  # CJK unified ideographs
        | ((codes >= 0xF900) & (codes <= 0xFAFF))  # CJK compatibility ideographs
        | ((codes >= 0x0E00) & (codes <= 0x0E7F))  # Thai: no spaces between words
        | surrogate  # UTF-16 surrogate halves of astral characters
    )
    return fold, space, word, single & word, digit, complex_


def _is_jamo(code: int) -> bool:
    """Hangul jamo, which NFKC composes into syllables."""
    return 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F or 0xA960 <= code <= 0xA97F or 0xD7B0 <= code <= 0xD7FF


FOLD_TABLE, SPACE_TABLE, WORD_TABLE, SINGLE_TABLE, DIGIT_TABLE, _COMPLEX = _character_tables()
TABLES = (FOLD_TABLE, SPACE_TABLE, WORD_TABLE, SINGLE_TABLE, DIGIT_TABLE)  # what _tokenize takes
# The same with no digit: numbers are read as written (each run of digits a token), not masked.
FIGURE_TABLES = (FOLD_TABLE, SPACE_TABLE, WORD_TABLE, SINGLE_TABLE, np.zeros_like(DIGIT_TABLE))
# Text with none of the COMPLEX_TABLE units folds character by character in the compiled loop:
# characters whose normal form is not one character ("ß" -> "ss"), combining marks and Hangul jamo
# (NFKC composes them with their neighbours); surrogates (anything outside the BMP) count too. Other
# text goes through normalize() first, and its normal form is tokenised with NO_COMPLEX.
COMPLEX_TABLE = _COMPLEX | ((np.arange(0x10000) >= 0xD800) & (np.arange(0x10000) <= 0xDFFF))
NO_COMPLEX = np.zeros(0x10000, dtype=np.bool_)
NO_BOUNDS = np.empty(0, dtype=np.int64)  # _split finds them


@nb.njit(inline="always")
def _fmix64(h: np.uint64) -> np.uint64:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@nb.njit(nogil=True, cache=True)
def _split(codes, count):  # pragma: no cover - compiled
    """Bounds of ``count`` NUL-joined texts (see :func:`_tokenize`), found by their separators; an
    empty array if the NULs are not exactly the ``count - 1`` separators (a text holds one)."""
    bounds = np.empty(count + 1, dtype=np.int64)
    bounds[0] = 0
    found = 1
    for i in range(len(codes)):
        if codes[i] == 0:
            if found >= count:
                return bounds[:0]
            bounds[found] = i + 1
            found += 1
    if found != max(count, 1):
        return bounds[:0]
    bounds[count] = len(codes) + 1
    return bounds


@nb.njit(nogil=True, cache=True)
def _tokenize(codes, bounds, fold_table, space_table, word_table, single_table, digit_table, complex_table):  # pragma: no cover
    """Token hashes of every segment; ``codes[bounds[i]:bounds[i+1] - 1]`` are the code units of
    segment i (one separator unit follows each).

    Case, quotes and dashes are folded and white space runs collapsed here, as ``normalize`` does,
    so most text needs no Python pass. A segment holding a unit of ``complex_table`` is left empty
    and listed: it must be normalised first. Returns (token hashes, token offsets per segment, exact
    hash of the normalised text of each segment, the complex segments).
    """
    n_segments = len(bounds) - 1
    tokens = np.empty(bounds[-1] - bounds[0] + 1, dtype=np.uint64)  # CJK: a token per code unit
    token_offsets = np.empty(n_segments + 1, dtype=np.int64)
    exact = np.empty(n_segments, dtype=np.uint64)
    complex_rows = np.empty(n_segments, dtype=np.int64)
    n_complex = 0
    n_tokens = 0
    for s in range(n_segments):
        token_offsets[s] = n_tokens
        whole = _FNV_OFFSET
        started = False
        pending_space = False
        in_token = False
        is_complex = False
        h = _FNV_OFFSET
        for i in range(bounds[s], bounds[s + 1] - 1):
            raw = codes[i]
            if raw >= 0x80 and complex_table[raw]:
                is_complex = True
                break
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
        if is_complex:
            n_tokens = token_offsets[s]
            exact[s] = 0
            complex_rows[n_complex] = s
            n_complex += 1
            continue
        if in_token:
            tokens[n_tokens] = _fmix64(h)
            n_tokens += 1
        exact[s] = _fmix64(whole)
    token_offsets[n_segments] = n_tokens
    return tokens[:n_tokens], token_offsets, exact, complex_rows[:n_complex]


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

    def replace(self, rows: np.ndarray, other: ShingleSets) -> ShingleSets:
        """These sets with rows ``rows`` (ascending, each an empty set here) those of ``other``."""
        sizes = self.sizes()
        sizes[rows] = other.sizes()
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        hashes = np.insert(self.hashes, np.repeat(self.offsets[rows], other.sizes()), other.hashes)
        exact, words = self.exact.copy(), self.words.copy()
        exact[rows], words[rows] = other.exact, other.words
        return ShingleSets(hashes, offsets, exact, words)


@nb.njit(nogil=True, cache=True)
def _shingle_texts(codes, bounds, count, fold, space, word, single, digit, complex_table, k):  # pragma: no cover
    """:func:`_tokenize` then :func:`_shingle` of ``count`` NUL-joined texts: (hashes, offsets, exact,
    words, complex rows); ``offsets`` is empty if ``bounds`` are needed (see :func:`_split`).
    ``k == 0``: the tokens of each text in order, repeats kept, not shingled."""
    if len(bounds) == 0:
        bounds = _split(codes, count)
        if len(bounds) == 0:
            empty = np.empty(0, dtype=np.int64)
            return np.empty(0, dtype=np.uint64), empty, np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int32), empty
    tokens, token_offsets, exact, complex_rows = _tokenize(codes, bounds, fold, space, word, single, digit,
                                                           complex_table)
    if k == 0:
        return tokens, token_offsets, exact, np.diff(token_offsets).astype(np.int32), complex_rows
    hashes, offsets = _shingle(tokens, token_offsets, k)
    return hashes, offsets, exact, np.diff(token_offsets).astype(np.int32), complex_rows


# A compiled call on (code units, bounds, complex table, output rows): the CSR arrays, exact hashes,
# word counts and complex rows of _shingle_texts, with whatever per-row output it writes into ``out``.
Kernel = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                  tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def run_kernel(texts: Sequence[str], kernel: Kernel, out: np.ndarray,
               complex_table: np.ndarray = COMPLEX_TABLE) -> ShingleSets:
    """Run ``kernel`` on ``texts`` joined (see :func:`encode_texts`) and fill ``out[i]`` for text i.

    Normally the only work done under the GIL is one join and one encode: the kernel finds where the
    texts start by their NUL separators and flags the few texts that need :func:`normalize`; those
    are normalised and run again on their own, and spliced in.
    """
    codes = encode_texts(texts)
    hashes, offsets, exact, words, complex_rows = kernel(codes, NO_BOUNDS, complex_table, out)
    if len(offsets) == 0:  # a text holds a NUL itself
        hashes, offsets, exact, words, complex_rows = kernel(codes, text_bounds(texts), complex_table, out)
    sets = ShingleSets(hashes, offsets, exact, words)
    if len(complex_rows) == 0:
        return sets
    rows = complex_rows.tolist()
    fixed_out = np.empty((len(rows), *out.shape[1:]), dtype=out.dtype)
    fixed = run_kernel([normalize(texts[i]) for i in rows], kernel, fixed_out, NO_COMPLEX)
    out[complex_rows] = fixed_out
    return sets.replace(complex_rows, fixed)


def encode_texts(texts: Sequence[str]) -> np.ndarray:
    """All texts joined by NUL as one array of code units: ASCII text (the common case) one byte per
    character, other text UTF-16 (several times faster to encode than UTF-32; the tables cover every
    unit, and a surrogate half counts as a one-character token, so astral symbols still tokenise).

    Two C calls and no pass over the texts in Python: threads signing other batches wait for the GIL
    while this runs; the compiled loops find the separators.
    """
    joined = "\0".join(texts)
    if joined.isascii():
        return np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(joined.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)


def text_bounds(texts: Sequence[str]) -> np.ndarray:
    """Where each text starts in :func:`encode_texts` (and one past the end of all plus one), from
    the texts' lengths: for texts holding NUL, which the compiled split would take for separators."""
    lengths = np.fromiter((_utf16_length(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    return bounds


def shingle_sets(texts: Sequence[str], k: int, *, figures: bool = False) -> ShingleSets:
    """Shingle raw texts with word ``k``-grams, in their normalised form (see :func:`normalize`); numbers
    are masked (one token for any number), or read as written with ``figures``.

    Text is folded character by character inside the compiled loop; only text with characters that
    NFKC composes or expands goes through :func:`normalize` first. Either way the result is that of
    the normalised text (property-tested).
    """
    tables = FIGURE_TABLES if figures else TABLES
    return run_kernel(texts, partial(_shingle_kernel, k, tables), np.empty((len(texts), 0), dtype=np.uint8))


def token_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every token of each normalised text, hashed and in order (numbers all hash to
    ``number_hash()``), as CSR ``(hashes, offsets)``: the words of text i are
    ``hashes[offsets[i]:offsets[i+1]]``."""
    sets = run_kernel(texts, partial(_shingle_kernel, 0, TABLES), np.empty((len(texts), 0), dtype=np.uint8))
    return sets.hashes, sets.offsets


def number_hash() -> np.uint64:
    """The hash every number token gets (see ``NUMBER_TOKEN``)."""
    return token_hashes(["0"])[0][0]


def _shingle_kernel(k: int, tables: tuple[np.ndarray, ...], codes: np.ndarray, bounds: np.ndarray,
                    complex_table: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, ...]:
    return _shingle_texts(codes, bounds, len(out), *tables, complex_table, k)


def _utf16_length(text: str) -> int:
    """Code units of ``text`` in UTF-16 (astral characters take two)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
