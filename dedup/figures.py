"""Figures in raw news text: counts, money, percentages, dates, ages, durations, with their spans.

Rewrites of one story are compared number by number (see ``dedup.conflicts``), so each figure keeps
its exact span in the input, what it counts ("civilians"), what happened to them ("killed") and
whether the text only reports somebody's claim. Extraction is a small grammar over module-level
vocabularies: to support a new word, extend a table, not the code.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Figure:
    """One number expression found in a text.

    ``text == source[start:end]`` and covers qualifier + number (+ unit or scale). ``kind`` is one of
    "count", "percent", "money", "ordinal", "date", "year", "duration", "age". Dates are encoded
    so that they compare as numbers: ``value`` is MMDD, YYYYMMDD or YYYYMM as ``unit`` says.
    Vague amounts ("dozens") carry their lower bound. ``counts`` and ``event`` are only set for
    counts; a bare "31 killed" or "death toll of 31" counts "dead" (see BARE_EVENT_COUNTS).
    ``claimed`` marks figures the text attributes as a claim rather than reports.
    """

    start: int
    end: int
    text: str
    value: float | None
    high: float | None
    kind: str
    vague: bool
    qualifier: str | None
    unit: str | None
    counts: str | None
    event: str | None
    claimed: bool

    @property
    def label(self) -> str:
        """Short human text, e.g. "at least 31 civilians"."""
        return f"{self.text} {self.counts}" if self.counts else self.text


# --- Vocabularies -------------------------------------------------------------------------------

UNIT_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEEN_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TEN_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}

# Spelled numbers as (word class, value); the classes drive NUMBER_WORD_FOLLOWERS.
NUMBER_WORDS: dict[str, tuple[str, float]] = {
    **{word: ("unit", value) for word, value in UNIT_WORDS.items()},
    **{word: ("teen", value) for word, value in TEEN_WORDS.items()},
    **{word: ("ten", value) for word, value in TEN_WORDS.items()},
    "hundred": ("hundred", 100),
    "dozen": ("dozen", 12),
    **{word: ("scale", value) for word, value in SCALE_WORDS.items()},
}
# Which word class may follow which: "twenty-one", "two hundred and five", "a dozen", never "five six".
NUMBER_WORD_FOLLOWERS: dict[str, frozenset[str]] = {
    "start": frozenset({"unit", "teen", "ten"}),
    "article": frozenset({"hundred", "dozen", "scale"}),
    "unit": frozenset({"hundred", "dozen", "scale"}),
    "teen": frozenset({"hundred", "scale"}),
    "ten": frozenset({"unit", "scale"}),
    "hundred": frozenset({"unit", "teen", "ten", "scale"}),
    "scale": frozenset({"unit", "teen", "ten"}),
    "dozen": frozenset(),
}
AND_JOINS_AFTER = frozenset({"hundred", "scale"})  # "two hundred and five", never "thirty and forty"
# An article is a number only before a multiplier: "a dozen", "a hundred", "half a dozen".
ARTICLE_FACTORS = {"a": 1.0, "an": 1.0, "half a": 0.5, "half an": 0.5}

# Vague amounts and the lower bound they stand for; some are amounts only before "of" ("scores of").
VAGUE_AMOUNTS = {
    "dozens": 24.0, "scores": 40.0, "hundreds": 200.0, "thousands": 2000.0,
    "tens of thousands": 20000.0, "hundreds of thousands": 200000.0, "millions": 2e6,
}  # fmt: skip
VAGUE_NEEDING_OF = frozenset({"scores"})

ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100,
}  # fmt: skip

# Raw qualifier -> normalised qualifier.
QUALIFIERS = {
    "at least": "at least", "no fewer than": "at least", "no less than": "at least",
    "more than": "more than", "in excess of": "more than", "upwards of": "more than",
    "over": "over", "nearly": "nearly", "close to": "nearly", "almost": "almost",
    "about": "about", "roughly": "about", "around": "around", "approximately": "approximately",
    "approx.": "approximately", "up to": "up to", "as many as": "up to", "at most": "at most",
    "fewer than": "fewer than", "less than": "less than", "some": "some", "a total of": "a total of",
    "an estimated": "an estimated",
}  # fmt: skip

CURRENCY_PREFIXES = {
    "US$": "USD", "$": "USD", "USD": "USD", "£": "GBP", "GBP": "GBP", "€": "EUR", "EUR": "EUR",
    "₹": "INR", "INR": "INR", "PKR": "PKR", "Rs.": "RS", "Rs": "RS",
}  # fmt: skip
CURRENCY_WORDS = {
    "us dollars": "USD", "dollars": "USD", "euros": "EUR", "pounds sterling": "GBP", "rupees": "RS",
}  # fmt: skip

SCALE_SUFFIXES = {**SCALE_WORDS, "crore": 1e7, "lakh": 1e5, "bn": 1e9, "mn": 1e6, "m": 1e6, "k": 1e3}
ATTACHED_SCALES = frozenset({"bn", "mn", "m", "k"})  # written without a space: "€1.2bn", "$3.5m"
MONEY_ONLY_SCALES = frozenset({"m", "k"})  # "100m" is a distance, "$100m" is money

TIME_UNITS = {
    "second": "seconds", "seconds": "seconds", "minute": "minutes", "minutes": "minutes",
    "hour": "hours", "hours": "hours", "day": "days", "days": "days", "week": "weeks",
    "weeks": "weeks", "month": "months", "months": "months", "year": "years", "years": "years",
    "decade": "decades", "decades": "decades", "century": "centuries", "centuries": "centuries",
}  # fmt: skip
AGE_UNITS = {"year": "years", "years": "years", "month": "months", "months": "months"}
PERCENT_UNITS = {"%": "%", "percent": "%", "per cent": "%"}

MONTHS = {
    "January": 1, "Jan": 1, "February": 2, "Feb": 2, "March": 3, "Mar": 3, "April": 4, "Apr": 4,
    "May": 5, "June": 6, "Jun": 6, "July": 7, "Jul": 7, "August": 8, "Aug": 8, "September": 9,
    "Sept": 9, "Sep": 9, "October": 10, "Oct": 10, "November": 11, "Nov": 11, "December": 12, "Dec": 12,
}  # fmt: skip
YEAR_RANGE = (1800, 2100)  # a bare unqualified four-digit number in this range is a year

# Numbers that name things rather than amounts: "Boeing 737", "Article 370".
IDENTIFIER_PREFIX_WORDS = frozenset({
    "boeing", "airbus", "flight", "version", "model", "windows", "iphone", "galaxy", "article",
    "section", "chapter", "resolution", "route", "highway", "room", "page", "volume", "no",
})  # fmt: skip
ALWAYS_IDENTIFIER_MARKS = "+#"  # "+92 300", "#5"
JOINED_IDENTIFIER_MARKS = "-/:."  # "COVID-19", "F-16", "24/7", "10:30", "1.2.3" (between alphanumerics)
MAX_PLAIN_DIGITS = 6  # longer unseparated digit runs are phone numbers and ids

# "one" is often not an amount. (pattern, literals, whether a qualifier makes it one again): the
# pattern's group "num" marks the number it disqualifies; the rule only runs on text holding one of
# the lower-case literals.
NOT_A_FIGURE_RULES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    (r"\b(?P<num>one)\s+of\b", ("one",), True),  # "one of the deadliest days", but "at least one of the bombers"
    (r"\b(?P<num>one)\s+(?:another|by\s+one)\b", ("one",), False),
    (r"\bno[\s-](?P<num>one)\b", ("one",), False),
    (r"\b(?:the|this|that|like|any|every|each|which)\s+(?P<num>one)\b", ("one",), False),  # "like one trying"
    (r"\b(?P<num>one)-(?:sided|off|time|way)\b", ("one-",), False),
    (r"\b(?P<num>[a-z]+)-(?:halves|thirds?|quarters?|fifths?|tenths?)\b",
     ("-halves", "-third", "-quarter", "-fifth", "-tenth"), False),  # fractions: "two-thirds"
)

# What happened to what is counted, as cues before the figure ("killing 17 ...", "the deaths of 31 ...")
# and after its noun phrase ("... were killed", "... taken prisoner"). Values are regex fragments.
EVENT_CUES_BEFORE: dict[str, tuple[str, ...]] = {
    "killed": (
        r"kill(?:s|ed|ing)?", r"killings?", r"deaths?", r"(?:death\s+)?tolls?", r"lives",
        r"eliminat(?:e|es|ed|ing|ion)", r"neutrali[sz](?:e|es|ed|ing|ation)", r"massacr(?:e|ed|ing)",
    ),
    "injured": (r"injur(?:e|es|ed|ing|ies)", r"wound(?:s|ed|ing)?", r"hurt(?:ing)?"),
    "arrested": (r"arrest(?:s|ed|ing)?", r"detain(?:s|ed|ing)?"),
    "captured": (r"captur(?:e|es|ed|ing)", r"abduct(?:s|ed|ing|ion)?", r"kidnap(?:s|ped|ping)?"),
    "freed": (r"free(?:s|d|ing)?", r"releas(?:e|es|ed|ing)", r"rescu(?:e|es|ed|ing)"),
}  # fmt: skip
EVENT_CUES_AFTER: dict[str, tuple[str, ...]] = {
    "killed": (r"killed", r"dead", r"died", r"perished", r"slain", r"los(?:e|t|ing)\s+their\s+lives"),
    "injured": (r"injured", r"wounded", r"hurt"),
    "arrested": (r"arrested", r"detained"),
    "captured": (
        r"captured", r"abducted", r"kidnapped", r"taken\s+(?:prisoner|hostage)s?", r"held\s+hostages?",
        r"prisoners?", r"hostages?",
    ),
    "freed": (r"freed", r"released", r"rescued"),
    "missing": (r"missing", r"unaccounted\s+for"),
}  # fmt: skip
# Words allowed between a before-cue and the figure ("the deaths of", "killed another", "toll rose to").
CUE_FILLER_WORDS = (
    "the", "of", "a", "an", "to", "have", "has", "had", "been", "all", "another", "additional",
    "at", "rose", "reached", "stood", "stands", "climbed",
)  # fmt: skip
# Words allowed between the counted noun phrase and an after-cue ("were also killed").
CUE_AUXILIARY_WORDS = (
    "were", "was", "are", "is", "have", "has", "had", "been", "being", "be", "also", "reportedly",
    "all", "later", "now", "feared", "believed", "confirmed",
)  # fmt: skip
BEFORE_CUE_WINDOW = 80  # characters searched before a figure for its before-cue
# What a bare "31 killed" / "death toll of 31" counts.
BARE_EVENT_COUNTS = {
    "killed": "dead", "injured": "injured", "missing": "missing",
    "arrested": "arrested", "captured": "captured", "freed": "freed",
}  # fmt: skip

# A figure is a claim when one of these precedes it in its clause ("claiming to have killed 84").
# "claimed responsibility" and "claiming the lives of" are not claim cues.
CLAIM_CUES = (r"claim(?:s|ed|ing)?\s+(?:to\s+have|that)", r"assert(?:s|ed|ing)?", r"alleg(?:e|es|ed|ing)")
CLAIM_SCOPE_BREAKS = (
    r"[.!?;](?=\s|$)", r"\bbut\b", r"\bwhile\b", r"\bwhereas\b", r"\balthough\b", r"\bhowever\b",
)  # fmt: skip

# The noun phrase a figure counts: words up to and including its (plural) head noun.
COUNT_STOP_WORDS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "its", "their", "his", "her", "our", "my",
    "your", "it", "they", "them", "we", "he", "she", "who", "whom", "which", "whose", "what",
    "where", "when", "there", "here", "in", "on", "at", "of", "to", "for", "with", "within",
    "without", "over", "under", "from", "by", "into", "onto", "across", "during", "after",
    "before", "since", "until", "including", "near", "among", "against", "per", "as", "than",
    "through", "throughout", "between", "around", "about", "along", "amid", "despite", "towards",
    "toward", "via", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "do",
    "does", "did", "will", "would", "could", "can", "may", "might", "should", "must", "said",
    "says", "say", "but", "nor", "so", "yet", "if", "because", "although", "though", "whereas",
    "while", "also", "reportedly", "allegedly", "still", "now", "then", "already", "only", "just",
    "even", "not", "all", "both", "each",
})  # fmt: skip
COUNT_CONJUNCTIONS = frozenset({"and", "or"})
OF_DETERMINERS = frozenset({"the", "these", "those", "its", "their", "his", "her", "our"})  # "one of the ..."
PARTITIVE_HEADS = frozenset({"members", "units", "families", "relatives"})  # "members of the security forces"
PLURAL_WORDS = frozenset({
    "people", "personnel", "police", "staff", "crew", "children", "cattle", "clergy", "dead", "injured",
    "wounded", "missing",
})  # fmt: skip
MAX_COUNT_WORDS = 6
MAX_COORDINATED_WORDS = 3  # "cities and towns", "civilians and security personnel"

# Canonical group -> phrases that count the same people. Phrases are compared after normalisation
# (lower case, plural head), so "soldier" matches "soldiers".
DEFAULT_FOLDS: dict[str, tuple[str, ...]] = {
    "militants": (
        "militants", "insurgents", "attackers", "terrorists", "rebels", "fighters", "gunmen", "separatists",
    ),
    "security personnel": (
        "security personnel", "security service personnel", "security force personnel", "security forces",
        "soldiers", "troops", "servicemen", "members of the security forces",
    ),
    "civilians": ("civilians", "residents"),
    "people": (
        "people", "persons", "individuals", "victims", "lives", "dead", "deaths", "injured", "missing",
        "arrested", "captured", "freed",
    ),
}  # fmt: skip
PLURAL_RULES = (  # singular head -> plural, first match wins
    (r"man$", "men"), (r"person$", "people"), (r"child$", "children"), (r"([^aeiou])y$", r"\1ies"),
    (r"(s|x|z|ch|sh)$", r"\1es"), (r"$", "s"),
)  # fmt: skip


# --- Compiled patterns --------------------------------------------------------------------------

_SPACE = r"[^\S\n]+"


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
                                   MONTHS, CURRENCY_PREFIXES, ("between", "aged"))
_WORD_START_RE = re.compile(r"(?<![\w$£€₹])(?:[A-Za-z]+\$?|[\w$£€₹]+)")


def _figure_starts(text: str) -> Iterator[int]:
    for match in _WORD_START_RE.finditer(text):
        word = match.group()
        if word[0].isdigit() or word[0] in "$£€₹" or word.lower() in _FIGURE_START_WORDS:
            yield match.start()


_QUALIFIER_RE = re.compile(rf"(?P<qualifier>{_literal_alternation(QUALIFIERS)}){_SPACE}", re.I)
_CURRENCY_PREFIX_RE = re.compile(rf"(?P<currency>{_literal_alternation(CURRENCY_PREFIXES)})[^\S\n]?")
_DIGITS_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_SCALE_RE = re.compile(
    rf"{_SPACE}(?P<word>{'|'.join(s for s in SCALE_SUFFIXES if s not in ATTACHED_SCALES)})\b"
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
_FROM_BEFORE_RE = re.compile(rf"\bfrom{_SPACE}$", re.I)  # "rose from 30 to 40" is a change, not a range
_BETWEEN_RE = re.compile(rf"between{_SPACE}", re.I)
_AND_RE = re.compile(rf"{_SPACE}and{_SPACE}", re.I)
_AGED_RE = re.compile(rf"aged{_SPACE}", re.I)
_HYPHEN_OR_SPACE = rf"(?:-|{_SPACE})"
# (kind, unit written after the number, unit table): the first suffix that matches decides the kind.
_UNIT_SUFFIXES: tuple[tuple[str, re.Pattern[str], Mapping[str, str]], ...] = tuple(
    (kind, re.compile(rf"{before}(?P<unit>{_literal_alternation(units)}){after}", re.I), units)
    for kind, before, units, after in (
        ("age", _HYPHEN_OR_SPACE, AGE_UNITS, rf"{_HYPHEN_OR_SPACE}old\b"),  # before "duration"
        ("percent", rf"(?:[^\S\n]?(?=%)|{_SPACE})", PERCENT_UNITS, ""),
        ("money", _SPACE, CURRENCY_WORDS, ""),
        ("duration", _HYPHEN_OR_SPACE, TIME_UNITS, ""),
    )
)
_MONTH = rf"(?P<month>(?:{'|'.join(sorted(MONTHS, key=len, reverse=True))})\b\.?)"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?P<year>\d{4})\b"
_DATE_RES = (  # month names are matched case-sensitively: "may" is not a month
    re.compile(rf"{_MONTH}{_SPACE}{_DAY}(?:,?{_SPACE}{_YEAR})?"),
    re.compile(rf"{_DAY}{_SPACE}(?:of{_SPACE})?{_MONTH}(?:,?{_SPACE}{_YEAR})?"),
    re.compile(rf"{_MONTH}{_SPACE}{_YEAR}"),
)
_ORDINAL_DIGITS_RE = re.compile(r"(?P<number>\d+)(?:st|nd|rd|th)\b", re.I)
_ORDINAL_WORDS_RE = re.compile(
    rf"(?:(?P<tens>{'|'.join(TEN_WORDS)})[-\s])?(?P<ordinal>{_literal_alternation(ORDINAL_WORDS)})\b", re.I
)
_VAGUE_RE = re.compile(rf"(?P<vague>{_literal_alternation(VAGUE_AMOUNTS)})\b(?P<of>{_SPACE}of\b)?", re.I)
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
_CHAIN_JOIN_RE = re.compile(r"\s*(?:,\s*)?(?:(?:and|or|as\s+well\s+as)\s+)?", re.I)
_CLAIM_CUE_RE = re.compile(rf"\b(?:{'|'.join(CLAIM_CUES)})\b", re.I)
_CLAIM_SCOPE_BREAK_RE = re.compile("|".join(CLAIM_SCOPE_BREAKS), re.I)
_FOLLOWING_WORD_RE = re.compile(
    rf"{_SPACE}(?P<open>[\"“‘']?)(?P<word>[A-Za-z](?:[A-Za-z-]|['’](?=[A-Za-z]))*)(?P<close>[\"”’']?)"
)
_PLURAL_RE = re.compile(r"(?:[a-z][^siu'’]s|men|ren)$")


# --- Number expressions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Amount:
    """One number as written: digits or words, with currency prefix and scale."""

    end: int
    value: float
    scale: float
    currency: str | None
    spelled: bool
    year_like: bool


@dataclass(frozen=True, slots=True)
class _Body:
    """A number expression without its qualifier."""

    end: int
    value: float
    high: float | None
    kind: str
    unit: str | None = None
    vague: bool = False
    year_like: bool = False


def _match_number_words(text: str, pos: int) -> tuple[float, int] | None:
    """Value and end of a spelled-out number at ``pos``, following NUMBER_WORD_FOLLOWERS."""
    state, total, current, end = "start", 0.0, 0.0, pos
    article = _ARTICLE_RE.match(text, pos)
    if article:
        state, current, end = "article", ARTICLE_FACTORS[_key(article["article"])], article.end()
    while (token := _NUMBER_TOKEN_RE.match(text, end)) and token["word"].lower() in NUMBER_WORDS:
        word_class, value = NUMBER_WORDS[token["word"].lower()]
        joined_by_and = _key(token["sep"] or "") == "and"
        if word_class not in NUMBER_WORD_FOLLOWERS[state] or (joined_by_and and state not in AND_JOINS_AFTER):
            break
        if word_class in ("unit", "teen", "ten"):
            current += value
        elif word_class in ("hundred", "dozen"):
            current = (current or 1.0) * value
        else:
            total, current = total + (current or 1.0) * value, 0.0
        state, end = word_class, token.end()
    if state in ("start", "article"):
        return None
    return total + current, end


def _match_amount(text: str, pos: int) -> _Amount | None:
    currency_match = _CURRENCY_PREFIX_RE.match(text, pos)
    start = currency_match.end() if currency_match else pos
    currency = CURRENCY_PREFIXES[currency_match["currency"]] if currency_match else None
    digits = _DIGITS_RE.match(text, start)
    if digits:
        written = digits.group()
        integer_part = written.split(".")[0]
        if (len(integer_part) > 1 and integer_part.startswith("0")) or len(integer_part) > MAX_PLAIN_DIGITS:
            return None
        value, end, spelled = float(written.replace(",", "")), digits.end(), False
        year_like = written.isdigit() and len(written) == 4 and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]
    elif currency is None and (words := _match_number_words(text, start)):
        (value, end), spelled, year_like = words, True, False
    else:
        return None
    scale = 1.0
    scale_match = _SCALE_RE.match(text, end)
    if scale_match:
        suffix = (scale_match["word"] or scale_match["attached"]).lower()
        if currency or suffix not in MONEY_ONLY_SCALES:
            scale, end, year_like = SCALE_SUFFIXES[suffix], scale_match.end(), False
    return _Amount(end, value * scale, scale, currency, spelled, year_like)


def _range_partner(text: str, pos: int, low: _Amount) -> _Amount | None:
    """The upper bound of "30 to 40" / "30-40" after ``low``, if this is a range."""
    separator = _RANGE_SEP_RE.match(text, low.end)
    if separator is None or _FROM_BEFORE_RE.search(text, max(0, pos - 10), pos):
        return None
    high = _match_amount(text, separator.end())
    if high is None or high.spelled != low.spelled or high.value <= _shared_scale(low, high).value:
        return None
    return high


def _shared_scale(low: _Amount, high: _Amount) -> _Amount:
    """In "3 to 4 million" the scale written once applies to both ends."""
    if low.scale != 1.0 or high.scale == 1.0:
        return low
    return replace(low, value=low.value * high.scale, scale=high.scale, year_like=False)


def _with_unit(text: str, low: _Amount, high: _Amount | None, end: int, aged: bool) -> _Body:
    """Classify an amount (or range) by the unit written after it."""
    currency = low.currency or (high.currency if high else None)
    kind, unit = ("money", currency) if currency else ("count", None)
    for suffix_kind, pattern, units in _UNIT_SUFFIXES:
        suffix = pattern.match(text, end)
        if suffix:
            kind, unit, end = suffix_kind, units[_key(suffix["unit"])], suffix.end()
            break
    if aged:
        kind, unit = "age", "years"
    year_like = kind == "count" and low.year_like and (high is None or high.year_like)
    return _Body(end, low.value, high.value if high else None, kind, unit, year_like=year_like)


def _match_amount_expression(text: str, pos: int) -> _Body | None:
    aged = _AGED_RE.match(text, pos)
    start = aged.end() if aged else pos
    low = _match_amount(text, start)
    if low is None:
        return None
    high = _range_partner(text, start, low)
    if high:
        low = _shared_scale(low, high)
    return _with_unit(text, low, high, high.end if high else low.end, aged=aged is not None)


def _match_between(text: str, pos: int) -> _Body | None:
    between = _BETWEEN_RE.match(text, pos)
    low = _match_amount(text, between.end()) if between else None
    joint = _AND_RE.match(text, low.end) if low else None
    high = _match_amount(text, joint.end()) if joint else None
    if low is None or high is None or high.value <= _shared_scale(low, high).value:
        return None
    return _with_unit(text, _shared_scale(low, high), high, high.end, aged=False)


def _match_date(text: str, pos: int) -> _Body | None:
    for pattern in _DATE_RES:
        date = pattern.match(text, pos)
        groups = date.groupdict() if date else {}
        day = int(groups["day"]) if groups.get("day") else None
        if date is None or (day is not None and not 1 <= day <= 31):
            continue
        month = MONTHS[date["month"].rstrip(".")]
        year = int(groups["year"]) if groups.get("year") else None
        if day is None:
            return _Body(date.end(), float(year * 100 + month), None, "date", "yyyymm")
        if year is None:
            return _Body(date.end(), float(month * 100 + day), None, "date", "mmdd")
        return _Body(date.end(), float(year * 10000 + month * 100 + day), None, "date", "yyyymmdd")
    return None


def _match_ordinal(text: str, pos: int) -> _Body | None:
    if digits := _ORDINAL_DIGITS_RE.match(text, pos):
        return _Body(digits.end(), float(digits["number"]), None, "ordinal")
    words = _ORDINAL_WORDS_RE.match(text, pos)
    if words is None:
        return None
    ordinal = ORDINAL_WORDS[words["ordinal"].lower()]
    if words["tens"]:
        if ordinal >= 10:
            return None
        ordinal += TEN_WORDS[words["tens"].lower()]
    return _Body(words.end(), float(ordinal), None, "ordinal")


def _match_vague(text: str, pos: int) -> _Body | None:
    vague = _VAGUE_RE.match(text, pos)
    if vague is None:
        return None
    word = _key(vague["vague"])
    if word in VAGUE_NEEDING_OF and not vague["of"]:
        return None
    return _Body(vague.end(), VAGUE_AMOUNTS[word], None, "count", vague=True)


_BODY_MATCHERS: tuple[Callable[[str, int], _Body | None], ...] = (
    _match_date, _match_ordinal, _match_between, _match_amount_expression, _match_vague,
)  # fmt: skip


def _is_identifier(text: str, start: int, end: int, qualified: bool) -> bool:
    """Numbers glued to letters or marks name things ("F-16", "G7", "4x4", "24/7", "Boeing 737")."""
    before = text[start - 1] if start else ""
    if before and before in ALWAYS_IDENTIFIER_MARKS:
        return True
    if before and before in JOINED_IDENTIFIER_MARKS and start >= 2 and text[start - 2].isalnum():
        return True
    after = text[end : end + 2]
    if after[:1].isalnum() or (after[:1] in JOINED_IDENTIFIER_MARKS + "," and after[1:2].isdigit()):
        return True
    previous = _PREVIOUS_WORD_RE.search(text, max(0, start - 30), start)
    return not qualified and previous is not None and previous.group(1).lower() in IDENTIFIER_PREFIX_WORDS


def _disqualified_numbers(text: str) -> dict[int, bool]:
    """Start offsets of numbers that NOT_A_FIGURE_RULES rule out -> whether a qualifier rescues them.

    A rule only runs on text holding one of its literals (a substring test costs far less than a
    regex scan of every word boundary).
    """
    lowered = text.lower()
    return {
        match.start("num"): rescued
        for pattern, literals, rescued in _NOT_A_FIGURE_RES
        if any(literal in lowered for literal in literals)
        for match in pattern.finditer(text)
    }


def _figure_at(text: str, pos: int, disqualified: Mapping[int, bool]) -> Figure | None:
    qualifier_match = _QUALIFIER_RE.match(text, pos)
    body_start = qualifier_match.end() if qualifier_match else pos
    body = next((b for matcher in _BODY_MATCHERS if (b := matcher(text, body_start))), None)
    qualified = qualifier_match is not None
    if body is None or _is_identifier(text, body_start, body.end, qualified):
        return None
    if body_start in disqualified and not (disqualified[body_start] and qualified):
        return None
    qualifier = QUALIFIERS[_key(qualifier_match["qualifier"])] if qualifier_match else None
    kind = "year" if body.year_like and not qualified else body.kind
    return Figure(
        start=pos, end=body.end, text=text[pos : body.end], value=body.value, high=body.high, kind=kind,
        vague=body.vague, qualifier=qualifier, unit=body.unit, counts=None, event=None, claimed=False,
    )  # fmt: skip


def _scan(text: str) -> list[Figure]:
    """Number expressions left to right, without context (counts, event, claimed)."""
    disqualified = _disqualified_numbers(text)
    figures: list[Figure] = []
    next_free = 0
    for pos in _figure_starts(text):
        if pos >= next_free and (figure := _figure_at(text, pos, disqualified)):
            figures.append(figure)
            next_free = figure.end
    return figures


# --- What a figure counts -----------------------------------------------------------------------


def _is_plural(word: str) -> bool:
    """Counted nouns are plural (or "personnel"); the first plural word heads the phrase."""
    return word in PLURAL_WORDS or _PLURAL_RE.search(word) is not None


def _is_event_word(word: str) -> bool:
    """"killed", "dead", "wounded" end a counted phrase; cue nouns ("prisoners", "hostages") head one."""
    return _CUE_WORD_RE.fullmatch(word) is not None and _PLURAL_RE.search(word) is None


def _following_words(text: str, pos: int, limit: int = 14) -> list[tuple[str, int]]:
    """Lower-cased words after ``pos`` with their ends, up to punctuation or a closing quote."""
    words: list[tuple[str, int]] = []
    while len(words) < limit and (match := _FOLLOWING_WORD_RE.match(text, pos)):
        words.append((match["word"].lower(), match.end()))
        if match["close"]:
            break
        pos = match.end()
    return words


def _coordinated_noun(words: list[tuple[str, int]], start: int) -> int | None:
    """Index of the plural head of a noun coordinated after "and" ("cities and towns"), if any."""
    for index in range(start, min(start + MAX_COORDINATED_WORDS, len(words))):
        word = words[index][0]
        if word in COUNT_STOP_WORDS or word in COUNT_CONJUNCTIONS or _is_event_word(word):
            return None
        if _is_plural(word):
            return index
    return None


def _counted_phrase(text: str, figure: Figure) -> tuple[str | None, int]:
    """The noun phrase right after a count ("security personnel") and where it ends."""
    words = _following_words(text, figure.end)
    index = 0
    if words and words[0][0] == "of":  # "dozens of", "one of the"
        index = 1
        while index < len(words) and words[index][0] in OF_DETERMINERS:
            index += 1
    phrase: list[str] = []
    head_found, end = False, figure.end
    while index < len(words) and len(phrase) < MAX_COUNT_WORDS:
        word, word_end = words[index]
        following = words[index + 1][0] if index + 1 < len(words) else ""
        if not head_found:
            if word in COUNT_CONJUNCTIONS:  # "security and civilian officials"
                if not phrase or not following or following in COUNT_STOP_WORDS:
                    break
            elif word in COUNT_STOP_WORDS or word in NUMBER_WORDS:
                break
            elif _is_event_word(word) and not _is_plural(following):  # "31 killed", but "18 wounded soldiers"
                break
        elif word == "of" and phrase[-1] in PARTITIVE_HEADS:
            nested = index + 1
            while nested < len(words) and words[nested][0] in OF_DETERMINERS:
                nested += 1
            head = _coordinated_noun(words, nested)
            if head is None:
                break
            phrase.extend(w for w, _ in words[index : head + 1])
            index, end = head + 1, words[head][1]
            continue
        elif word in COUNT_CONJUNCTIONS and (head := _coordinated_noun(words, index + 1)) is not None:
            phrase.extend(w for w, _ in words[index : head + 1])
            index, end = head + 1, words[head][1]
            continue
        elif not _is_plural(word) or word in COUNT_STOP_WORDS:
            break
        phrase.append(word)
        head_found = head_found or _is_plural(word)
        end = word_end
        index += 1
    while phrase and phrase[-1] in COUNT_CONJUNCTIONS:
        phrase.pop()
    if not phrase or (not head_found and (figure.value != 1 or figure.vague)):
        return None, figure.end
    return " ".join(phrase), end


# --- What happened, and who says so ---------------------------------------------------------------


def _cue_before(text: str, start: int, end: int) -> str | None:
    cue = _CUE_BEFORE_RE.search(text, start, end)
    return cue.lastgroup if cue else None


def _cue_after(text: str, start: int, end: int) -> str | None:
    cue = _CUE_AFTER_RE.match(text, start, end)
    return cue.lastgroup if cue else None


def _modifier_cue(counts: str | None) -> str | None:
    """An event word used as a modifier of the counted noun: "18 wounded soldiers"."""
    words = counts.split() if counts else []
    cue = _CUE_WORD_RE.fullmatch(words[0]) if len(words) > 1 else None
    return cue.lastgroup if cue else None


def _chains(text: str, figures: Sequence[Figure], territories: Sequence[int]) -> list[list[int]]:
    """Indices of counts listed together ("31 civilians and 17 security personnel"): they share an event."""
    chains: list[list[int]] = []
    for index, figure in enumerate(figures):
        if figure.kind != "count":
            continue
        previous = chains[-1][-1] if chains else None
        if previous == index - 1 and _CHAIN_JOIN_RE.fullmatch(text, territories[previous], figure.start):
            chains[-1].append(index)
        else:
            chains.append([index])
    return chains


def _events(
    text: str, figures: Sequence[Figure], phrases: Sequence[tuple[str | None, int]]
) -> list[str | None]:
    """Event of every count (None for other kinds): its own cue first, else the one its list shares."""
    if all(figure.kind != "count" for figure in figures):
        return [None] * len(figures)
    clause_breaks = [match.start() for match in _CLAUSE_BREAK_RE.finditer(text)]
    territories = [end for _, end in phrases]
    before: list[str | None] = []
    after: list[str | None] = []
    for index, figure in enumerate(figures):
        breaks_before = bisect_right(clause_breaks, figure.start)
        clause_start = clause_breaks[breaks_before - 1] + 1 if breaks_before else 0
        clause_end = clause_breaks[breaks_before] if breaks_before < len(clause_breaks) else len(text)
        previous_end = territories[index - 1] if index else 0
        next_start = figures[index + 1].start if index + 1 < len(figures) else len(text)
        window_start = max(clause_start, previous_end, figure.start - BEFORE_CUE_WINDOW)
        before.append(_cue_before(text, window_start, figure.start))
        after_cue = _cue_after(text, territories[index], min(clause_end, next_start))
        after.append(_modifier_cue(phrases[index][0]) or after_cue)
    events: list[str | None] = [None] * len(figures)
    for chain in _chains(text, figures, territories):
        shared = before[chain[0]] or after[chain[-1]]
        for index in chain:
            events[index] = before[index] or after[index] or shared
    return events


def _claimed(text: str, figures: Sequence[Figure]) -> list[bool]:
    """Whether a claim cue precedes each figure in its clause: "claiming to have killed 84", not "said 31"."""
    cues = list(_CLAIM_CUE_RE.finditer(text)) if figures else []
    if not cues:  # most text claims nothing: no need to find the clause breaks
        return [False] * len(figures)
    scope_breaks = [match.end() for match in _CLAIM_SCOPE_BREAK_RE.finditer(text)]
    cue_ends = [cue.end() for cue in cues]
    claimed = []
    for figure in figures:
        breaks_before = bisect_right(scope_breaks, figure.start)
        scope_start = scope_breaks[breaks_before - 1] if breaks_before else 0
        cues_before = bisect_right(cue_ends, figure.start)
        claimed.append(bool(cues_before) and cues[cues_before - 1].start() >= scope_start)
    return claimed


# Every figure holds a digit, a currency sign, a spelled number, a vague amount or an ordinal word
# (dates need a day or a year; qualifiers and articles need a number after them), so text with none
# of these is skipped with one set intersection: most prose of a large corpus holds no figure.
_FIGURE_WORDS = frozenset(
    word.lower() for table in (NUMBER_WORDS, VAGUE_AMOUNTS, ORDINAL_WORDS) for key in table for word in key.split()
) - {"of"}
_DIGIT_OR_CURRENCY_RE = re.compile(r"[\d$£€₹]")
_LETTERS_RE = re.compile(r"[A-Za-z]+")


def _may_hold_figure(text: str) -> bool:
    if _DIGIT_OR_CURRENCY_RE.search(text):
        return True
    if text.isascii():  # its letter runs, lower-cased, are those of the lower-cased text: one C call
        return not _FIGURE_WORDS.isdisjoint(_LETTERS_RE.findall(text.lower()))
    return not _FIGURE_WORDS.isdisjoint(word.lower() for word in _LETTERS_RE.findall(text))


def extract_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, sorted by start, with what it counts, what happened and who claims it."""
    return list(_extract_cached(text)) if _may_hold_figure(text) else []


@lru_cache(maxsize=1 << 18)
def _extract_cached(text: str) -> tuple[Figure, ...]:
    """Corpora repeat sentences (boilerplate, copies): each distinct text is parsed once."""
    figures = _scan(text)
    phrases = [_counted_phrase(text, f) if f.kind == "count" else (None, f.end) for f in figures]
    events, claims = _events(text, figures, phrases), _claimed(text, figures)
    result = []
    for figure, (counts, _), event, claimed in zip(figures, phrases, events, claims, strict=True):
        bare_counts = BARE_EVENT_COUNTS[event] if event else None  # "31 killed" counts the dead
        # Built directly: dataclasses.replace looks the fields up by name on every call (4% of extraction).
        result.append(Figure(figure.start, figure.end, figure.text, figure.value, figure.high, figure.kind,
                             figure.vague, figure.qualifier, figure.unit, counts or bare_counts, event, claimed))
    return tuple(result)


# --- Folding counted phrases into groups ----------------------------------------------------------


def _normalise_phrase(phrase: str) -> str:
    """Lower case, unquoted, single-spaced, head noun in the plural ("Official" -> "officials")."""
    words = re.sub(r"[\"“”‘’']", " ", phrase).lower().split()
    if not words:
        return ""
    head = words.index("of", 1) - 1 if "of" in words[1:] else len(words) - 1
    if not _is_plural(words[head]):
        pattern, replacement = next((p, r) for p, r in PLURAL_RULES if re.search(p, words[head]))
        words[head] = re.sub(pattern, replacement, words[head], count=1)
    return " ".join(words)


def fold_counts(counts: str | None, folds: Mapping[str, Sequence[str]] = DEFAULT_FOLDS) -> str | None:
    """Canonical group of a counted phrase, else the normalised phrase itself.

    The whole phrase is looked up, then without its leading modifiers ("Baloch insurgents" ->
    militants). Coordinated or "of" phrases are only looked up whole, so "civilians and security
    personnel" and "security and civilian officials" stay themselves.
    """
    if counts is None:
        return None
    lookup, folded = _fold_lookup(folds)
    group = folded.get(counts)
    if group is None:
        if len(folded) >= _MAX_FOLDED:  # a long-running service sees ever new phrases
            folded.clear()
        phrase = _normalise_phrase(counts)
        words = phrase.split()
        whole_only = any(word in COUNT_CONJUNCTIONS or word == "of" for word in words)
        candidates = [phrase] if whole_only else [" ".join(words[i:]) for i in range(len(words))]
        group = folded[counts] = next((lookup[candidate] for candidate in candidates if candidate in lookup), phrase)
    return group


_MAX_FOLDED = 100_000
_FOLD_LOOKUPS: dict[int, tuple[Mapping[str, Sequence[str]], dict[str, str], dict[str, str]]] = {}


def _fold_lookup(folds: Mapping[str, Sequence[str]]) -> tuple[dict[str, str], dict[str, str]]:
    """Normalised synonym -> group, built once per fold table, and the groups of the counted phrases
    seen so far (asked for every figure of every document: corpora repeat a few phrases)."""
    cached = _FOLD_LOOKUPS.get(id(folds))
    if cached is None or cached[0] is not folds:
        lookup = {
            _normalise_phrase(synonym): canonical
            for canonical, synonyms in folds.items()
            for synonym in (canonical, *synonyms)
        }
        if len(_FOLD_LOOKUPS) >= 8:  # a long-running service sees a new table per scan
            _FOLD_LOOKUPS.clear()
        cached = _FOLD_LOOKUPS[id(folds)] = (folds, lookup, {})
    return cached[1], cached[2]


def merge_folds(
    extra: Mapping[str, Sequence[str]], base: Mapping[str, Sequence[str]] = DEFAULT_FOLDS
) -> dict[str, tuple[str, ...]]:
    """Extend ``base`` with user groups; a synonym listed in ``extra`` moves to its new group."""
    moved = {_normalise_phrase(synonym) for synonyms in extra.values() for synonym in synonyms}
    merged = {
        canonical: tuple(s for s in synonyms if _normalise_phrase(s) not in moved)
        for canonical, synonyms in base.items()
    }
    for canonical, synonyms in extra.items():
        merged[canonical] = tuple(dict.fromkeys((*merged.get(canonical, ()), *synonyms)))
    return merged
