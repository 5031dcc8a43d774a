"""Figure changes an alignment lists that did not happen, and the ones that are a sign change.

An alignment's diffs list a figure as removed (or added) when the passage it pairs no longer holds it; yet
one story's update often only moved it (a sentence split off to the paragraph before), wrote it under
another label (``171.7 mln`` -> ``Revs 171.7 mln``) or reworded the sentence around it. What an editor must
see is what changed: :func:`settled` says which listed figures to drop, and which pair of a removed and an
added one is one figure whose sign changed (``Oper net 794,711`` -> ``Oper loss 794,711``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from dedup.diff import FigureChange
from dedup.figures import Figure, extract_figures, significant_digits

MOVED_CONTEXT = 3  # words on each side of a figure (within its sentence) that must move with it
MOVED_DIGITS = 3  # significant digits of a value that, found anywhere in the other text, is the same figure
_WORD = re.compile(r"[^\W_](?:[\w.,/'-]*[^\W_])?")
_SENTENCE_END = re.compile(r"[.!?]\s|\n\s*\n")


def settled(passages: Sequence[Sequence[FigureChange]], a_text: str, b_text: str) -> dict[int, FigureChange | None]:
    """What becomes of the figures listed for each aligned passage of ``a_text`` with ``b_text``, by ``id``: None
    for one that did not change (:func:`reordered`, :func:`moved_or_relabelled`, :func:`held_elsewhere`), a
    ``sign`` change for a removed figure that came back under the other sign; a figure not in the result stays as
    it is."""
    out = {key: None for figures in passages for key in reordered(figures)}
    figures = [f for found in passages for f in found if id(f) not in out]
    out.update(moved_or_relabelled(figures))
    held = held_elsewhere(a_text, b_text)
    out.update({id(f): None for f in figures if id(f) not in out and held(f)})
    return out


def reordered(figures: Sequence[FigureChange]) -> set[int]:
    """The ``id`` of each removed and added figure of one aligned passage that pair up by value and sign: the
    passage says the same figure in another place of its sentence (a range written the other way round, "from
    0.50 to 0.64 ounces" and "from 0.64 to 0.50")."""
    added: dict[tuple[float, int], list[FigureChange]] = {}
    for figure in figures:
        if figure.change == "added":
            for value in _values(figure.b or ""):
                added.setdefault(value, []).append(figure)
    out: set[int] = set()
    for figure in figures:
        if figure.change != "removed":
            continue
        for value in _values(figure.a or ""):
            partner = next((f for f in added.get(value, ()) if id(f) not in out), None)
            if partner is not None:
                out |= {id(figure), id(partner)}
                break
    return out


def moved_or_relabelled(figures: Sequence[FigureChange]) -> dict[int, FigureChange | None]:
    """What becomes of the removed and added figures that pair up (by ``id``; None: nothing changed). One removed
    from a passage and added to another as written moved (a sentence that went to the next paragraph keeps "at
    least 286 firms"). Of the rest, one removed and one added with the same precise value are one figure under
    another label (``171.7 mln`` -> ``Revs 171.7 mln``), or its sign changed (``Oper net 794,711`` -> ``Oper loss
    794,711``: a correction from profit to loss)."""
    def written(figure: FigureChange) -> str:
        return " ".join((figure.a if figure.change == "removed" else figure.b or "").lower().split())

    out: dict[int, FigureChange | None] = {}
    waiting: dict[str, list[FigureChange]] = {}
    for figure in figures:
        if figure.change == "added":
            waiting.setdefault(written(figure), []).append(figure)
    for figure in figures:
        if figure.change == "removed" and waiting.get(written(figure)):
            out[id(figure)] = out[id(waiting[written(figure)].pop(0))] = None
    by_value: dict[float, list[tuple[FigureChange, int]]] = {}
    for figure in figures:
        if figure.change == "added" and id(figure) not in out:
            for value, sign in _signed_values(figure.b or ""):
                by_value.setdefault(value, []).append((figure, sign))
    for figure in figures:
        if figure.change != "removed" or id(figure) in out:
            continue
        for value, sign in _signed_values(figure.a or ""):
            partners = [(f, s) for f, s in by_value.get(value, ()) if id(f) not in out]
            if partners:
                added, added_sign = partners[0]
                out[id(added)] = None
                out[id(figure)] = None if sign == added_sign else FigureChange(
                    "sign", figure.a, added.b, figure.counts or added.counts, figure.a_start, added.b_start)
                break
    return out


def held_elsewhere(a_text: str, b_text: str) -> Callable[[FigureChange], bool]:
    """Whether a figure removed from a passage of ``a_text`` (or added to one of ``b_text``) is still in the
    other text: its words around it, figure and all, written elsewhere (a sentence split off to the paragraph
    before, "high-grade ore at 37 cents a pound"), or its precise value given reworded ("below the 628 mln of
    February 1986", "well below the 628 mln dlrs of February last year")."""
    texts = (a_text, b_text)
    phrases = [_words(text) for text in texts]
    values: dict[int, set[float]] = {}

    def held(figure: FigureChange) -> bool:
        if figure.change not in ("removed", "added"):
            return False
        side = 0 if figure.change == "removed" else 1
        start = figure.a_start if side == 0 else figure.b_start
        phrase = None if start is None else _phrase_around(texts[side], start)
        if phrase is not None and phrase in phrases[1 - side]:
            return True
        if 1 - side not in values:
            values[1 - side] = {value for value, _ in _signed_values(texts[1 - side])}
        return bool({value for value, _ in _signed_values(figure.a if side == 0 else figure.b or "")}
                    & values[1 - side])

    return held



def _signed_values(text: str) -> list[tuple[float, int]]:
    """``(value, sign)`` of each quantity of ``text`` precise enough not to recur in a story by chance: at least
    :data:`MOVED_DIGITS` significant digits (628 mln, 460 feet, 49-1/2 cents; not 15 people); ``sign`` is -1 for
    a loss or a fall, else 1. (A diff's figure is read again from its label, written in lower case, where a
    unit may not be told: the value alone names it.)"""
    return [(f.value, -1 if f.sign == -1 else 1) for f in _quantities(text)
            if significant_digits(f.value) >= MOVED_DIGITS]  # type: ignore[arg-type]


def _values(text: str) -> list[tuple[float, int]]:
    """``(value, sign)`` of each quantity of ``text``, as :func:`_signed_values` gives them but for any value."""
    return [(f.value, -1 if f.sign == -1 else 1) for f in _quantities(text)]  # type: ignore[misc]


def _quantities(text: str) -> list[Figure]:
    """The figures of ``text`` that have a value and are no date or year."""
    return [f for f in extract_figures(text) if f.value is not None and f.kind not in ("date", "year")]


def _words(text: str) -> str:
    """``text``'s words, lower case, one space apart, with a space at each end (so a phrase is found whole)."""
    return " " + " ".join(_WORD.findall(text.lower())) + " "


def _phrase_around(text: str, start: int) -> str | None:
    """The figure at ``start`` with up to :data:`MOVED_CONTEXT` words of its sentence on each side (at least that
    many in all), as :func:`_words` writes it; None when its sentence is too short to tell where it went."""
    opening = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, start - 200), start)), default=0)
    before = _WORD.findall(text[max(opening, start - 200):start].lower())[-MOVED_CONTEXT:]
    rest = text[start:start + 200]
    closing = _SENTENCE_END.search(rest)
    after = _WORD.findall((rest[:closing.start() + 1] if closing else rest).lower())[:MOVED_CONTEXT + 1]
    if len(before) + len(after) - 1 < MOVED_CONTEXT:
        return None
    return " " + " ".join(before + after) + " "
