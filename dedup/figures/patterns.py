"""The grammar's regular expressions, compiled once from the tables."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from dedup.figures.tables import (
    AGE_UNITS,
    ARTICLE_FACTORS,
    ATTACHED_PER_UNITS,
    ATTACHED_SCALES,
    CHANGE_WORDS,
    CLAIM_CUES,
    CLAIM_SCOPE_BREAKS,
    COMPARISON_WORDS,
    CUE_AUXILIARY_WORDS,
    CUE_FILLER_WORDS,
    CURRENCY_PREFIXES,
    CURRENCY_WORDS,
    EVENT_CUES_AFTER,
    EVENT_CUES_BEFORE,
    MONTHS,
    NOT_A_FIGURE_RULES,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    PER_UNITS,
    PER_WORDS,
    PERCENT_UNITS,
    QUALIFIERS,
    SCALE_SUFFIXES,
    SCALE_WORDS,
    SIGN_WORDS,
    SPACE_GROUP_MARKS,
    SPELLED_DAYS,
    TEN_WORDS,
    TIME_UNITS,
    VAGUE_AMOUNTS,
)  # fmt: skip

# Words are separated by spaces or by the hard wrap of a wire paragraph (a newline not followed by the
# indentation that starts the next paragraph).
_WRAP = r"\n(?![^\S\n]{2}|\n)[^\S\n]*+"
_SPACE = rf"(?:[^\S\n]++(?:{_WRAP})?|{_WRAP})"


def _key(raw: str) -> str:
    """Table key of matched text: "More  Than" -> "more than"."""
    return " ".join(raw.lower().split())


def _literal_alternation(literals: Iterable[str]) -> str:
    """Longest first so "more than" wins over "more"; words must end at a word boundary."""
    parts = []
    for literal in sorted(literals, key=len, reverse=True):
        pattern = _SPACE.join(re.escape(word) for word in literal.split(" "))
        parts.append(pattern + (r"(?![A-Za-z])" if literal[-1].isalpha() else ""))
    return "|".join(parts)


def _cues_by_event(table: Mapping[str, Sequence[str]]) -> str:
    """One named group per event, so ``match.lastgroup`` tells which event a cue stands for."""
    return "|".join(f"(?P<{event}>{'|'.join(cues)})" for event, cues in table.items())




def _first_words(*tables: Iterable[str]) -> frozenset[str]:
    return frozenset(key.split()[0].rstrip(".").lower() for table in tables for key in table
                     if key[:1].isalpha())


# Where a figure can start: a digit, a currency sign, or the first word of a qualifier, a spelled
# number, an article before a multiplier, a vague amount, an ordinal, a month, a currency code,
# "between" or "aged". Only these words are tried (a set look-up per word, not a regex per position).
_FIGURE_START_WORDS = _first_words(QUALIFIERS, NUMBER_WORDS, ARTICLE_FACTORS, VAGUE_AMOUNTS, ORDINAL_WORDS,
                                   MONTHS, CURRENCY_PREFIXES, SIGN_WORDS, ("between", "aged"))
_WORD_START_RE = re.compile(r"(?<![\w$£€₹])(?:[A-Za-z]+\$?|[\w$£€₹]+)")


def _figure_starts(text: str) -> Iterator[int]:
    for match in _WORD_START_RE.finditer(text):
        word = match.group()
        if word[0].isdigit():
            start = match.start()
            if not (start >= 2 and text[start - 1] in ".," and text[start - 2].isdecimal()):  # "1,545,|160"
                yield start
        elif word[0] in "$£€₹" or word.lower() in _FIGURE_START_WORDS:
            yield match.start()


_QUALIFIER_RE = re.compile(rf"(?P<qualifier>{_literal_alternation(QUALIFIERS)}){_SPACE}", re.I)
_CURRENCY_PREFIX_RE = re.compile(rf"(?P<currency>{_literal_alternation(CURRENCY_PREFIXES)})[^\S\n]?")
_SIGN_RE = re.compile(rf"(?P<sign>{_literal_alternation(SIGN_WORDS)}){_SPACE}", re.I)
# A number as each grouping convention writes it: grouped thousands of any length first, then plain.
_COMMA_DIGITS_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?")
_DOT_DIGITS_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)(?:,\d+)?|\d+(?:,\d+)?")
_SPACE_DIGITS_RE = re.compile(
    rf"\d{{1,3}}(?:(?: \d{{3}}){{2,}}|(?:[{SPACE_GROUP_MARKS}]\d{{3}})+)(?!\d)(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
)
# The text's convention shows in a number that only it can read: "2.000.000", "1.234,5", "2 000 000".
_CONVENTION_RE = re.compile(
    rf"\d(?:(?P<dot>\.\d{{3}}(?:\.\d{{3}}|,\d)(?![\d.]))|(?P<space>(?: \d{{3}}){{2}}(?!\d)|[{SPACE_GROUP_MARKS}]\d{{3}}(?!\d)))"
)
_FRACTION_RE = re.compile(r"(?:(?P<whole>\d+)-)?(?P<numerator>\d+)/(?P<denominator>\d+)(?![\d/])")
_SCALE_RE = re.compile(  # "40 mln", and the wire's compounds: "a 40-mln dlr purchase", "a 350-mln-dlr loan"
    rf"(?:{_SPACE}|-)(?P<word>{'|'.join(s for s in SCALE_SUFFIXES if s not in ATTACHED_SCALES)})\b"
    rf"|(?P<attached>{'|'.join(sorted(ATTACHED_SCALES, key=len, reverse=True))})\b",
    re.I,
)
_ARTICLE_RE = re.compile(
    rf"(?P<article>{_literal_alternation(ARTICLE_FACTORS)}){_SPACE}"
    rf"(?=(?:dozen|hundred|{'|'.join(SCALE_WORDS)})\b)",
    re.I,
)
_NUMBER_TOKEN_RE = re.compile(rf"(?P<sep>{_SPACE}and{_SPACE}|{_SPACE}|-)?(?P<word>[A-Za-z]+)\b")
_RANGE_SEP_RE = re.compile(rf"[^\S\n]*[-–—][^\S\n]*(?=\d)|{_SPACE}to{_SPACE}", re.I)
_CHANGE_BEFORE_RE = re.compile(rf"\b(?:{'|'.join(CHANGE_WORDS)}){_SPACE}$", re.I)
_BETWEEN_RE = re.compile(rf"between{_SPACE}", re.I)
_AND_RE = re.compile(rf"{_SPACE}and{_SPACE}", re.I)
_AGED_RE = re.compile(rf"aged{_SPACE}", re.I)
_HYPHEN_OR_SPACE = rf"(?:-|{_SPACE})"
# (kind, unit written after the number, unit table): the first suffix that matches decides the kind.
# Each with the first words of its units: the word after a number picks the one suffix worth trying.
_UNIT_SUFFIXES: tuple[tuple[str, re.Pattern[str], Mapping[str, str], frozenset[str]], ...] = tuple(
    (kind, re.compile(rf"{before}(?P<unit>{_literal_alternation(units)}){after}", re.I), units,
     frozenset(unit.split()[0].lower().rstrip(".") for unit in units))
    for kind, before, units, after in (
        ("age", _HYPHEN_OR_SPACE, AGE_UNITS, rf"{_HYPHEN_OR_SPACE}old\b"),  # before "duration"
        ("percent", rf"(?:[^\S\n]?(?=%)|{_SPACE}|-)", PERCENT_UNITS, ""),
        ("money", _HYPHEN_OR_SPACE, CURRENCY_WORDS, ""),
        ("duration", _HYPHEN_OR_SPACE, TIME_UNITS, ""),
    )
)
_NEXT_WORD_RE = re.compile(rf"(?:-|{_SPACE})?(?P<word>[A-Za-z][A-Za-z.]*|%)")
# A month as prose writes it, or in a headline's capitals ("4TH QTR DEC 28 NET").
_MONTH = rf"(?P<month>(?:{'|'.join(sorted([*MONTHS, *map(str.upper, MONTHS)], key=len, reverse=True))})\b\.?)"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?P<year>\d{4})\b"
# A range of days in one month ("March 11-20", "March 11 to 20", "March 1 through 20") is one date.
_LAST_DAY = (rf"(?:-|{_SPACE}(?:to|through|thru){_SPACE})(?P<last>\d{{1,2}})(?:st|nd|rd|th)?\b(?![-.,]?\d)"
             rf"(?!{_SPACE}?(?:pct|percent|per\b|%|mln|bln|million|billion|dlrs?|cts|stg))")  # "on March 11 to 20 pct"
# A day spelled out is a date only where nothing but a year or the end of the line or sentence follows ("March
# one, 1988", "Qtr ends March One"): "in March one company" counts a company.
_SPELLED_DAY = (rf"(?P<spelled>(?i:{'|'.join(sorted(SPELLED_DAYS, key=len, reverse=True))}))\b"
                rf"(?:,?{_SPACE}{_YEAR}|(?=[^\S\n]*(?:\n|$)|[.;)]))")
_DATE_RES = (  # month names are matched case-sensitively: "may" is not a month
    re.compile(rf"{_MONTH}{_SPACE}{_DAY}(?:{_LAST_DAY})?(?:,?{_SPACE}{_YEAR})?"),
    re.compile(rf"{_DAY}{_SPACE}(?:of{_SPACE})?{_MONTH}(?:,?{_SPACE}{_YEAR})?"),
    re.compile(rf"{_MONTH}{_SPACE}{_YEAR}"),
    re.compile(rf"{_MONTH}{_SPACE}{_SPELLED_DAY}"),
)
_ORDINAL_DIGITS_RE = re.compile(r"(?P<number>\d+)(?:st|nd|rd|th)\b", re.I)
_ORDINAL_WORDS_RE = re.compile(
    rf"(?:(?P<tens>{'|'.join(TEN_WORDS)})[-\s])?(?P<ordinal>{_literal_alternation(ORDINAL_WORDS)})\b", re.I
)
_VAGUE_RE = re.compile(rf"(?P<vague>{_literal_alternation(VAGUE_AMOUNTS)})\b(?P<of>{_SPACE}of\b)?", re.I)
_PER_RE = re.compile(
    rf"{_SPACE}(?:(?:{'|'.join(PER_WORDS)}){_SPACE}(?P<per>{_literal_alternation(PER_UNITS)})"
    rf"|(?P<attached>{_literal_alternation(ATTACHED_PER_UNITS)}))",
    re.I,
)
_COMPARISON_RE = re.compile(rf"[^\S\n]*,?{_SPACE}(?:{_literal_alternation(COMPARISON_WORDS)}){_SPACE}", re.I)
_PREVIOUS_WORD_RE = re.compile(r"([A-Za-z]+)\.?[^\S\n]+$")
_NOT_A_FIGURE_RES = tuple((re.compile(pattern, re.I), literals, rescued)
                          for pattern, literals, rescued in NOT_A_FIGURE_RULES)

_CLAUSE_BREAK_RE = re.compile(r"[.!?](?=[\s\"'”’)]|$)|[;:](?=\s)|\n")
_CUE_BEFORE_RE = re.compile(
    rf"\b(?:{_cues_by_event(EVENT_CUES_BEFORE)})\b(?:\s+(?:{'|'.join(CUE_FILLER_WORDS)})\b)*\s*$", re.I
)
_CUE_AFTER_RE = re.compile(
    rf"{_SPACE}(?:(?:{'|'.join(CUE_AUXILIARY_WORDS)}){_SPACE})*(?:{_cues_by_event(EVENT_CUES_AFTER)})\b", re.I
)
_CUE_WORD_RE = re.compile(_cues_by_event(EVENT_CUES_AFTER), re.I)
# Any event cue at all, in lower-cased text (three times faster than ignoring case): a text without
# one has no count of an event.
_ALL_CUES = "|".join(cue for table in (EVENT_CUES_BEFORE, EVENT_CUES_AFTER) for cues in table.values() for cue in cues)
_ANY_CUE_RE = re.compile(rf"\b(?:{_ALL_CUES})")
_CHAIN_JOIN_RE = re.compile(r"\s*(?:,\s*)?(?:(?:and|or|as\s+well\s+as)\s+)?", re.I)
_CLAIM_CUE_RE = re.compile(rf"\b(?:{'|'.join(CLAIM_CUES)})\b", re.I)
_CLAIM_SCOPE_BREAK_RE = re.compile("|".join(CLAIM_SCOPE_BREAKS), re.I)
_FOLLOWING_WORD_RE = re.compile(
    rf"{_SPACE}(?P<open>[\"“‘']?)(?P<word>[A-Za-z](?:[A-Za-z-]|['’](?=[A-Za-z]))*)(?P<close>[\"”’']?)"
)
_PLURAL_RE = re.compile(r"(?:[a-z][^siu'’]s|men|ren)$")

