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
from collections.abc import Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
NUMBER_TOKEN = np.uint64(0x6E756D6265720000)  # "number": every token starting with a digit


def _character_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per UTF-16 code unit: is it part of a word, is it a one-character token, is it a digit."""
    codes = np.arange(0x10000)
    word = np.zeros(0x10000, dtype=np.bool_)
    digit = np.zeros(0x10000, dtype=np.bool_)
    for code in range(0x10000):
        category = unicodedata.category(chr(code))
        word[code] = category[0] in "LNM" or code == 0x5F
        digit[code] = category == "Nd"
    single = (
        ((codes >= 0x3040) & (codes <= 0x30FF))  # kana
        | ((codes >= 0x3400) & (codes <= 0x4DBF))  # CJK extension A
        | ((codes >= 0x4E00) & (codes <= 0x9FFF))  # CJK unified ideographs
        | ((codes >= 0xF900) & (codes <= 0xFAFF))  # CJK compatibility ideographs
        | ((codes >= 0x0E00) & (codes <= 0x0E7F))  # Thai: no spaces between words
        | ((codes >= 0xD800) & (codes <= 0xDFFF))  # UTF-16 surrogate halves of astral characters
    )
    word |= (codes >= 0xD800) & (codes <= 0xDFFF)
    return word, single & word, digit


WORD_TABLE, SINGLE_TABLE, DIGIT_TABLE = _character_tables()


@nb.njit(inline="always")
def _fmix64(h: np.uint64) -> np.uint64:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@nb.njit(nogil=True, cache=True)
def _tokenize(codes, bounds, word_table, single_table, digit_table):  # pragma: no cover - compiled
    """Token hashes of every segment; ``bounds[i]:bounds[i+1]`` are the code points of segment i.

    Returns (token hashes, token offsets per segment, exact hash per segment).
    """
    n_segments = len(bounds) - 1
    tokens = np.empty(len(codes) + 1, dtype=np.uint64)  # CJK text can be one token per code unit
    token_offsets = np.empty(n_segments + 1, dtype=np.int64)
    exact = np.empty(n_segments, dtype=np.uint64)
    n_tokens = 0
    for s in range(n_segments):
        token_offsets[s] = n_tokens
        whole = _FNV_OFFSET
        in_token = False
        h = _FNV_OFFSET
        for i in range(bounds[s], bounds[s + 1]):
            c = codes[i]
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


def shingle_sets(normalized: Sequence[str], k: int) -> ShingleSets:
    """Shingle the already-normalised texts with word ``k``-grams."""
    # Every text is followed by one newline (a non-word character), so segment i spans
    # bounds[i]:bounds[i+1] of the joined code points and tokens never cross segments.
    lengths = np.fromiter((_utf16_length(t) + 1 for t in normalized), dtype=np.int64, count=len(normalized))
    bounds = np.zeros(len(normalized) + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    # UTF-16 code units: encoding is several times faster than UTF-32, and the tables cover every
    # unit (a surrogate half counts as a one-character token, so astral symbols still tokenise).
    joined = "\n".join(normalized) + "\n"
    codes = np.frombuffer(joined.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    tokens, token_offsets, exact = _tokenize(codes, bounds, WORD_TABLE, SINGLE_TABLE, DIGIT_TABLE)
    hashes, offsets = _shingle(tokens, token_offsets, k)
    return ShingleSets(hashes, offsets, exact, np.diff(token_offsets).astype(np.int32))


def _utf16_length(text: str) -> int:
    """Code units of ``text`` in UTF-16 (astral characters take two)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
