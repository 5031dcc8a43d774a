"""A figure's context: what it counts, what happened to it, who says so, and which results line and
comparison it belongs to ("Net loss 1,234 vs 5,678": the right side is the same measure, a year before).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace

from dedup.figures.figure import Figure
from dedup.figures.patterns import (
    _CHAIN_JOIN_RE,
    _CLAIM_CUE_RE,
    _CLAIM_SCOPE_BREAK_RE,
    _CLAUSE_BREAK_RE,
    _COMPARISON_RE,
    _CUE_AFTER_RE,
    _CUE_BEFORE_RE,
    _CUE_WORD_RE,
    _FOLLOWING_WORD_RE,
    _PLURAL_RE,
)  # fmt: skip
from dedup.figures.tables import (
    BEFORE_CUE_WINDOW,
    COUNT_CONJUNCTIONS,
    COUNT_STOP_WORDS,
    MAX_COORDINATED_WORDS,
    MAX_COUNT_WORDS,
    MAX_RESULTS_LABEL_WORDS,
    NUMBER_WORDS,
    OF_DETERMINERS,
    PARTITIVE_HEADS,
    PLURAL_WORDS,
    RESULTS_LABEL_WORDS,
    SCALE_NAMES,
)  # fmt: skip

_SCALE_FACTORS = {name: factor for factor, name in SCALE_NAMES.items()}
_MAX_LABEL_CHARS = 40
_NOT_COMPARED = frozenset({"date", "year", "ordinal", "age", "duration"})


# --- Comparisons and results lines -----------------------------------------------------------------


def _compared(text: str, figures: list[Figure]) -> list[Figure]:
    """The right side of a comparison takes the unit, scale and sign written once on its left:
    "5.93 mln against 5.81" is 5.81 million, "Net loss 1,234 vs 5,678" two losses."""
    for index in range(1, len(figures)):  # most texts hold one figure
        left, right = figures[index - 1], figures[index]
        if right.start - left.end > 12 or right.vague or _NOT_COMPARED.intersection((left.kind, right.kind)) or (
            not _COMPARISON_RE.fullmatch(text, left.end, right.start)
        ):
            continue
        if right.kind != "count" or right.unit or right.scale:  # its own unit and scale: only the sign is shared
            figures[index] = replace(right, sign=right.sign or left.sign)
            continue
        factor = _SCALE_FACTORS.get(left.scale, 1.0) if left.scale else 1.0
        high = right.high * factor if right.high is not None else None
        figures[index] = replace(right, value=(right.value or 0.0) * factor, high=high, kind=left.kind,
                                 unit=left.unit, scale=left.scale, sign=right.sign or left.sign)
    return figures


def _measures(text: str, figures: Sequence[Figure]) -> list[str | None]:
    """The label of each figure's results line ("Shr", "Avg shrs"), which a compared figure shares."""
    measures: list[str | None] = []
    for index, figure in enumerate(figures):
        previous = measures[index - 1] if index else None
        if previous and _COMPARISON_RE.fullmatch(text, figures[index - 1].end, figure.start):
            measures.append(previous)
            continue
        window = max(0, figure.start - _MAX_LABEL_CHARS)
        dash = text.rfind(" - ", window, figure.start)  # "KOKOMO, Ind., Feb 26 - Shr 39 cts vs 50 cts"
        # The nearer of the dateline's dash and the line's start: a table's next line starts anew.
        line_start = max(dash + 3 if dash >= 0 else 0, text.rfind("\n", window, figure.start) + 1)
        if line_start == 0 and window > 0:  # the line starts further back: prose, not a label
            measures.append(None)
            continue
        words = text[line_start : figure.start].split()
        labelled = 0 < len(words) <= MAX_RESULTS_LABEL_WORDS and all(
            word.lower() in RESULTS_LABEL_WORDS for word in words)
        measures.append(" ".join(words) if labelled else None)
    return measures


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
