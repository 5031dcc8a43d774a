"""Number expressions without context: where each figure is, its value, kind, unit, scale and sign.

A text's grouping convention is read once ("1,545,160"; "2.000.000" or "1.234,5"; "2 000 000") and
every number of the text is read with it. A figure never starts or ends inside a number: a number
glued to letters or marks is a name ("F-16", "1.2.3"), and one that cannot be read whole is dropped
rather than cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from dedup.figures.figure import Figure
from dedup.figures.patterns import (
    _AGED_RE,
    _AND_RE,
    _ARTICLE_RE,
    _BETWEEN_RE,
    _CHANGE_BEFORE_RE,
    _COMMA_DIGITS_RE,
    _CONVENTION_RE,
    _CURRENCY_PREFIX_RE,
    _DATE_RES,
    _DOT_DIGITS_RE,
    _FRACTION_RE,
    _NEXT_WORD_RE,
    _NOT_A_FIGURE_RES,
    _NUMBER_TOKEN_RE,
    _ORDINAL_DIGITS_RE,
    _ORDINAL_WORDS_RE,
    _PER_RE,
    _PREVIOUS_WORD_RE,
    _QUALIFIER_RE,
    _RANGE_SEP_RE,
    _SCALE_RE,
    _SIGN_RE,
    _SPACE_DIGITS_RE,
    _UNIT_SUFFIXES,
    _VAGUE_RE,
    _figure_starts,
    _key,
)  # fmt: skip
from dedup.figures.tables import (
    ALWAYS_IDENTIFIER_MARKS,
    AND_JOINS_AFTER,
    ARTICLE_FACTORS,
    CURRENCY_PREFIXES,
    FRACTION_DENOMINATORS,
    IDENTIFIER_PREFIX_WORDS,
    JOINED_IDENTIFIER_MARKS,
    MAX_PLAIN_DIGITS,
    MONEY_ONLY_SCALES,
    MONTHS,
    NUMBER_WORD_FOLLOWERS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    PER_UNITS,
    QUALIFIERS,
    SCALE_NAMES,
    SCALE_SUFFIXES,
    SIGN_WORDS,
    SPELLED_DAYS,
    TEN_WORDS,
    VAGUE_AMOUNTS,
    VAGUE_NEEDING_OF,
    YEAR_RANGE,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Convention:
    """How the text groups thousands: the digit pattern, and the marks to drop and to read as a point."""

    digits: re.Pattern[str]
    drop: str
    point: str


_CONVENTIONS = {
    "comma": _Convention(_COMMA_DIGITS_RE, ",", "."),
    "dot": _Convention(_DOT_DIGITS_RE, ".", ","),
    "space": _Convention(_SPACE_DIGITS_RE, " \u00a0\u202f\u2009", ","),
}


def _convention(text: str) -> _Convention:
    shown = _CONVENTION_RE.search(text)
    return _CONVENTIONS[shown.lastgroup or "comma"] if shown else _CONVENTIONS["comma"]


@dataclass(slots=True)  # not frozen: built for every number tried, and a frozen __init__ costs twice as much
class _Amount:
    """One number as written: digits or words, with currency prefix and scale."""

    end: int
    value: float
    scale: float
    currency: str | None
    spelled: bool
    year_like: bool
    fraction: bool = False


@dataclass(slots=True)
class _Body:
    """A number expression without its qualifier or sign."""

    end: int
    value: float
    high: float | None
    kind: str
    unit: str | None = None
    vague: bool = False
    year_like: bool = False
    scale: float = 1.0
    fraction: bool = False


_Matcher = Callable[[str, int, _Convention], "_Body | None"]


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


def _match_fraction(text: str, pos: int) -> tuple[float, int] | None:
    """A price fraction or mixed number ("1/2", "17-1/4", "101-3/32"); "24/7" and "9/11" are not."""
    fraction = _FRACTION_RE.match(text, pos)
    if fraction is None:
        return None
    numerator, denominator = int(fraction["numerator"]), int(fraction["denominator"])
    if denominator not in FRACTION_DENOMINATORS or not 0 < numerator < denominator:
        return None
    whole = int(fraction["whole"]) if fraction["whole"] else 0
    return whole + numerator / denominator, fraction.end()


def _match_digits(text: str, pos: int, convention: _Convention) -> tuple[float, int, bool] | None:
    """Value, end and whether it reads as a year, of the digits at ``pos`` in the text's convention."""
    digits = convention.digits.match(text, pos)
    if digits is None:
        return None
    written = plain = digits.group()
    integer_part = written.split(convention.point)[0]
    grouped = not integer_part.isdecimal()
    if not grouped and ((len(integer_part) > 1 and integer_part.startswith("0"))
                        or len(integer_part) > MAX_PLAIN_DIGITS):
        return None
    if grouped:
        for mark in convention.drop:
            plain = plain.replace(mark, "")
    value = float(plain.replace(convention.point, "."))
    year_like = written.isdigit() and len(written) == 4 and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]
    return value, digits.end(), year_like


def _match_amount(text: str, pos: int, convention: _Convention) -> _Amount | None:
    currency_match = None if text[pos : pos + 1].isdecimal() else _CURRENCY_PREFIX_RE.match(text, pos)
    start = currency_match.end() if currency_match else pos
    currency = CURRENCY_PREFIXES[currency_match["currency"]] if currency_match else None
    fraction = _match_fraction(text, start) if text.find("/", start, start + 12) >= 0 else None
    if fraction:
        (value, end), spelled, year_like = fraction, False, False
    elif digits := _match_digits(text, start, convention):
        (value, end, year_like), spelled = digits, False
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
    return _Amount(end, value * scale, scale, currency, spelled, year_like, fraction is not None)


def _range_partner(text: str, pos: int, low: _Amount, convention: _Convention) -> _Amount | None:
    """The upper bound of "30 to 40" / "30-40" after ``low``, if this is a range."""
    separator = _RANGE_SEP_RE.match(text, low.end)
    if separator is None or _CHANGE_BEFORE_RE.search(text, max(0, pos - 12), pos):
        return None
    high = _match_amount(text, separator.end(), convention)
    if high is None or high.spelled != low.spelled or high.value <= _shared_scale(low, high).value:
        return None
    return high


def _shared_scale(low: _Amount, high: _Amount) -> _Amount:
    """In "3 to 4 million" the scale written once applies to both ends."""
    if low.scale != 1.0 or high.scale == 1.0:
        return low
    return replace(low, value=low.value * high.scale, scale=high.scale, year_like=False)


def _with_unit(text: str, low: _Amount, high: _Amount | None, end: int, aged: bool) -> _Body:
    """Classify an amount (or range) by the unit written after it, and what it is quoted per."""
    currency = low.currency or (high.currency if high else None)
    kind, unit = ("money", currency) if currency else ("count", None)
    following = _NEXT_WORD_RE.match(text, end)
    word = following["word"].lower().rstrip(".") if following else None
    for suffix_kind, pattern, units, first_words in _UNIT_SUFFIXES if word else ():
        if word in first_words and (suffix := pattern.match(text, end)):
            kind, unit, end = suffix_kind, units[_key(suffix["unit"])], suffix.end()
            break
    if aged:
        kind, unit = "age", "years"
    if kind in ("money", "percent") and (per := _PER_RE.match(text, end)):
        unit, end = f"{unit} per {PER_UNITS[_key(per['per'] or per['attached'])]}", per.end()
    year_like = kind == "count" and low.year_like and (high is None or high.year_like)
    scale = high.scale if high else low.scale
    fraction = low.fraction or (high is not None and high.fraction)
    return _Body(end, low.value, high.value if high else None, kind, unit, year_like=year_like, scale=scale,
                 fraction=fraction)


def _match_amount_expression(text: str, pos: int, convention: _Convention) -> _Body | None:
    aged = _AGED_RE.match(text, pos)
    start = aged.end() if aged else pos
    low = _match_amount(text, start, convention)
    if low is None:
        return None
    high = _range_partner(text, start, low, convention)
    if high:
        low = _shared_scale(low, high)
    return _with_unit(text, low, high, high.end if high else low.end, aged=aged is not None)


def _match_between(text: str, pos: int, convention: _Convention) -> _Body | None:
    between = _BETWEEN_RE.match(text, pos) if text[pos : pos + 1] in ("b", "B") else None
    low = _match_amount(text, between.end(), convention) if between else None
    joint = _AND_RE.match(text, low.end) if low else None
    high = _match_amount(text, joint.end(), convention) if joint else None
    if low is None or high is None or high.value <= _shared_scale(low, high).value:
        return None
    return _with_unit(text, _shared_scale(low, high), high, high.end, aged=False)


def _match_date(text: str, pos: int, convention: _Convention) -> _Body | None:
    first = text[pos : pos + 1]
    if first.isdecimal():  # "2 February"
        patterns: tuple[re.Pattern[str], ...] = _DAY_FIRST_DATE_RES
    elif first.isupper():  # "February 2", "February 2025": month names are capitalised
        patterns = _MONTH_FIRST_DATE_RES
    else:
        return None
    for pattern in patterns:
        date = pattern.match(text, pos)
        groups = date.groupdict() if date else {}
        day = (int(groups["day"]) if groups.get("day")
               else SPELLED_DAYS[groups["spelled"].lower()] if groups.get("spelled") else None)
        if date is None or (day is not None and not 1 <= day <= 31):
            continue
        month = MONTHS[date["month"].rstrip(".").capitalize()]
        year = int(groups["year"]) if groups.get("year") else None
        last = int(groups["last"]) if groups.get("last") else None
        if day is None:
            return _Body(date.end(), float(year * 100 + month), None, "date", "yyyymm")
        if last is not None and not day < last <= 31:  # "March 11 to 9": the date is March 11 alone
            return _Body(_DAY_RE.match(text, date.start("day")).end(), float(month * 100 + day), None, "date",
                         "mmdd")
        high = None if last is None else float(month * 100 + last)
        if year is None:
            return _Body(date.end(), float(month * 100 + day), high, "date", "mmdd")
        return _Body(date.end(), float(year * 10000 + month * 100 + day),
                     None if high is None else year * 10000 + high, "date", "yyyymmdd")
    return None


def _match_ordinal(text: str, pos: int, convention: _Convention) -> _Body | None:
    if text[pos : pos + 1].isdecimal():
        digits = _ORDINAL_DIGITS_RE.match(text, pos)
        return _Body(digits.end(), float(digits["number"]), None, "ordinal") if digits else None
    words = _ORDINAL_WORDS_RE.match(text, pos)
    if words is None:
        return None
    ordinal = ORDINAL_WORDS[words["ordinal"].lower()]
    if words["tens"]:
        if ordinal >= 10:
            return None
        ordinal += TEN_WORDS[words["tens"].lower()]
    return _Body(words.end(), float(ordinal), None, "ordinal")


def _match_vague(text: str, pos: int, convention: _Convention) -> _Body | None:
    vague = _VAGUE_RE.match(text, pos) if text[pos : pos + 1].isalpha() else None
    if vague is None:
        return None
    word = _key(vague["vague"])
    if word in VAGUE_NEEDING_OF and not vague["of"]:
        return None
    return _Body(vague.end(), VAGUE_AMOUNTS[word], None, "count", vague=True)


_DAY_RE = re.compile(r"\d{1,2}(?:st|nd|rd|th)?")
_DAY_FIRST_DATE_RES = (_DATE_RES[1],)
_MONTH_FIRST_DATE_RES = (_DATE_RES[0], _DATE_RES[2], _DATE_RES[3])
_BODY_MATCHERS: tuple[_Matcher, ...] = (
    _match_date, _match_ordinal, _match_between, _match_amount_expression, _match_vague,
)  # fmt: skip


def _inside_number(text: str, pos: int) -> bool:
    """Whether ``pos`` falls inside a digit run with its grouping marks and point ("1,5|45,160")."""
    if not 0 < pos < len(text):
        return False
    before, after = text[pos - 1], text[pos]
    if before.isdecimal():
        return after.isdecimal() or (after in ".," and text[pos + 1 : pos + 2].isdecimal())
    return before in ".," and after.isdecimal() and pos >= 2 and text[pos - 2].isdecimal()


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
    disqualified: dict[int, bool] = {}
    for pattern, literals, rescued in _NOT_A_FIGURE_RES:
        for literal in literals:
            if literal in lowered:
                disqualified.update((match.start("num"), rescued) for match in pattern.finditer(text))
                break
    return disqualified


def _figure_at(text: str, pos: int, disqualified: Mapping[int, bool], convention: _Convention) -> Figure | None:
    worded = text[pos].isalpha()  # qualifiers and signs are words: a digit starts the number itself
    qualifier_match = _QUALIFIER_RE.match(text, pos) if worded else None
    sign_match = _SIGN_RE.match(text, pos) if worded and not qualifier_match else None
    body_start = (qualifier_match or sign_match).end() if (qualifier_match or sign_match) else pos
    for matcher in _BODY_MATCHERS:
        if body := matcher(text, body_start, convention):
            break
    qualified = qualifier_match is not None
    if body is None or _is_identifier(text, body_start, body.end, qualified or sign_match is not None):
        return None
    if body_start in disqualified and not (disqualified[body_start] and qualified):
        return None
    sign = None
    if sign_match:
        sign, any_figure = SIGN_WORDS[_key(sign_match["sign"])]
        if not any_figure and body.kind not in ("percent", "money") and not body.fraction:
            return None  # "set up 3 plants": the number alone is the figure
    qualifier = QUALIFIERS[_key(qualifier_match["qualifier"])] if qualifier_match else None
    kind = "year" if body.year_like and not (qualified or sign) else body.kind
    return Figure(
        start=pos, end=body.end, text=text[pos : body.end], value=body.value, high=body.high, kind=kind,
        vague=body.vague, qualifier=qualifier, unit=body.unit, counts=None, event=None, claimed=False, sign=sign,
        scale=SCALE_NAMES.get(body.scale),
    )  # fmt: skip


def _scan(text: str) -> list[Figure]:
    """Number expressions left to right, without context (counts, event, claimed)."""
    disqualified = _disqualified_numbers(text)
    convention = _convention(text)
    figures: list[Figure] = []
    next_free = 0
    for pos in _figure_starts(text):
        if pos >= next_free and (figure := _figure_at(text, pos, disqualified, convention)) and not _inside_number(
            text, figure.end
        ):
            figures.append(figure)
            next_free = figure.end
    return figures
