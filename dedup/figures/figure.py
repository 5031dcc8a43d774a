"""The figure record every stage shares: one number expression of a text, with its span and meaning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Figure:
    """One number expression found in a text.

    ``text == source[start:end]`` and covers qualifier or sign + number (+ unit or scale). ``kind`` is
    one of "count", "percent", "money", "ordinal", "date", "year", "duration", "age". Dates are encoded
    so that they compare as numbers: ``value`` is MMDD, YYYYMMDD or YYYYMM as ``unit`` says. Money has
    its currency as ``unit`` ("USD", "cents"), with " per share" when quoted per something. Vague
    amounts ("dozens") carry their lower bound. ``counts`` and ``event`` are only set for counts; a bare
    "31 killed" or "death toll of 31" counts "dead" (see BARE_EVENT_COUNTS). ``claimed`` marks figures
    the text attributes as a claim rather than reports. ``sign`` is -1 or 1 when a word says which way
    the figure goes ("loss", "profit", "down", "up"), ``scale`` the scale it was written with
    ("million" for "mln"), ``measure`` the label of its results line ("Shr", "Avg shrs").
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
    sign: int | None = None
    scale: str | None = None
    measure: str | None = None

    @property
    def label(self) -> str:
        """Short human text, e.g. "at least 31 civilians", "Shr loss 1.59 dlrs"."""
        text = f"{self.measure} {self.text}" if self.measure else self.text
        return f"{text} {self.counts}" if self.counts else text


def significant_digits(value: float) -> int:
    """How many significant digits a value is written with (1,545,160: 7; 102.5: 4; 250 million: 2): the more,
    the less likely two texts give it by coincidence."""
    return len(f"{abs(value):.6e}".split("e")[0].replace(".", "").rstrip("0"))
