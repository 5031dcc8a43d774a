"""What a story is about, as its opening names it: the tickers of its company and the words of its headline.

Two uses, one reading. A correction's original is sought among the stories that share a **subject key** with
it (:mod:`dedup.corrections`): a ticker or name in angle brackets in the opening (``<MEL>``, ``<AMERICAN
VARIETY INTERNATIONAL INC>``), or a pair of adjacent headline words found in few headlines (``federal
paper``, ``1987 growth``). And a **version** (an update or correction) is of one story, so of one company
(:func:`one_company`): two stories of a template that name other companies by their tickers
(``INTELLICARD <ICRDC> GETS NASDAQ EXCEPTION`` and ``AMERICAN ADVENTURE <GOAAQ> HAS NASDAQ EXCEPTION``) share
a template, not a story: they are at most reuse. Headline words alone do not decide it: a story rewritten
under a new headline ("BRAZILIAN INFLATION LOWER IN FEBRUARY", "BRAZILIAN MONTHLY INFLATION DIPS SLIGHTLY")
often shares none a few stories use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

OPENING_CHARS = 400  # headline and lead, where a story names its subject's ticker
CORRECTION_MARKER = re.compile(r"\bcorrect(?:ed|s)\b|^\W*correction\b", re.IGNORECASE)
_TICKER = re.compile(r"<([^<>\n]{1,60})>")
_CODE = re.compile(r"<[^<>\s]{1,12}>")  # a ticker proper, one token: a bracketed name is words of the headline
_WORD = re.compile(r"[a-z0-9]+(?:[.&'-][a-z0-9]+)*")


def headline(text: str) -> str:
    """A story's first line."""
    return text.lstrip().split("\n", 1)[0]


@dataclass(frozen=True, slots=True)
class SubjectKeys:
    """What names a story's subject: the tickers of its opening and the pairs of adjacent headline words."""

    tickers: frozenset[str]
    pairs: frozenset[str]

    def all(self) -> frozenset[str]:
        return self.tickers | self.pairs

    def codes(self) -> frozenset[str]:
        """The tickers proper (one token each), not the names written in brackets."""
        return frozenset(ticker for ticker in self.tickers if " " not in ticker)


def subject_keys(text: str) -> SubjectKeys:
    """The subject keys of a story (tickers as ``<ticker>``, lower case; headline word pairs, a name in
    brackets included, without a correction's own words)."""
    tickers = frozenset(f"<{found.strip().lower()}>" for found in _TICKER.findall(text[:OPENING_CHARS]))
    words = [word for word in _WORD.findall(_CODE.sub(" ", headline(text)).lower())
             if not CORRECTION_MARKER.fullmatch(word)]
    return SubjectKeys(tickers, frozenset(f"{a} {b}" for a, b in zip(words, words[1:])))


def naming_keys(keys: SubjectKeys, holding: Callable[[str], int], limit: int) -> frozenset[str]:
    """The keys that name a subject: every ticker, and the headline word pairs in at most ``limit`` headlines
    (``holding(pair)``: how many headlines hold it)."""
    return keys.tickers | frozenset(pair for pair in keys.pairs if holding(pair) <= limit)


def headlines_holding(keys: Sequence[SubjectKeys]) -> Counter[str]:
    """How many of the stories hold each headline word pair."""
    return Counter(pair for key in keys for pair in key.pairs)


def other_companies(first: SubjectKeys, other: SubjectKeys) -> bool:
    """Whether ``first`` names its company in brackets (a ticker or a name) as ``other`` does not, even misspelt
    by a letter (``<FBO>`` for ``<FBT>``)."""
    return bool(first.tickers) and not any(_one_edit_apart(a, b) for a in first.tickers for b in other.tickers)


def _one_edit_apart(first: str, other: str) -> bool:
    """Equal, or one letter replaced, added or dropped, or two adjacent letters swapped (``<TXLN>``): a
    ticker misspelt once."""
    if first == other:
        return True
    if abs(len(first) - len(other)) > 1:
        return False
    if len(first) == len(other):
        differ = [k for k, (a, b) in enumerate(zip(first, other)) if a != b]
        if len(differ) == 2 and differ[1] == differ[0] + 1 and first[differ[0]] == other[differ[1]] \
                and first[differ[1]] == other[differ[0]]:
            return True
    shorter, longer = sorted((first, other), key=len)
    start = next((k for k, (a, b) in enumerate(zip(shorter, longer)) if a != b), len(shorter))
    return shorter[start + (len(shorter) == len(longer)):] == longer[start + 1:]


def one_company(first: SubjectKeys, other: SubjectKeys) -> bool:
    """Whether two stories may be versions of one story as their tickers say: when both name their company by
    a ticker proper, one is the other's, or a letter apart. Two companies' stories of one template (contract
    awards, NASDAQ exceptions, dividends, debt offerings) are not versions, however alike."""
    codes, others = first.codes(), other.codes()
    return not (codes and others) or any(_one_edit_apart(a, b) for a in codes for b in others)
