"""The index and the scan apply one rule set: checking a document against an index of an earlier one
reports the same passages, kinds, similarities and containments as a scan of the two documents.

Compared where both answer the same question: two documents, each cluster of copies one segment of
each, and no span of the later one found in two places of the earlier (the scan reports a copy against
its source, the index every stored copy).
"""

import itertools
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dedup import matches
from dedup.config import ScanConfig
from dedup.index import Index
from dedup.index import verdict as verdict_module
from dedup.pipeline import analyze
from dedup.sources import Document
from tests.conftest import SAMPLE, SEED_IDS

WORDS = [f"{c}{v}{e}" for c in "bdfgklmnprstvz" for v in "aeiou" for e in ("n", "r", "s", "t", "lo")]
OPERATIONS = ("exact", "near", "partial", "partial-two", "new")


def scan_side(earlier: str, later: str) -> set[tuple] | None:
    """Cross matches of a scan of the two texts as (kind, later span, earlier span, similarity,
    containment); None when a cluster holds more than one segment of a document."""
    report = analyze([Document("a", "a", earlier), Document("b", "b", later)], ScanConfig(diffs=False))
    if any(len(c.members) != 2 or c.members[0].doc == c.members[1].doc for c in report.clusters):
        return None
    return {(m.kind, (m.b.start, m.b.end), (m.a.start, m.a.end), round(m.similarity, 9), round(m.containment, 9))
            for m in report.matches if m.scope == "cross"}


def index_side(path, earlier: str, later: str) -> set[tuple]:
    """The passages of a check of ``later`` against an index holding ``earlier``, in the same form."""
    with Index.create(path) as index:
        index.add("a", earlier)
        found = index.check(later, limit=1)
    return {(p.kind, (p.incoming.start, p.incoming.end), (p.stored.start, p.stored.end), round(p.similarity, 9),
             round(p.containment, 9)) for m in found.matches for p in m.passages}


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(9, 14))).capitalize() + "."


def edited(text: str, rng: random.Random) -> str:
    """``text`` with one word replaced: a near copy at 5-shingles for paragraphs of 30 words or more."""
    words = text.split(" ")
    k = rng.randrange(1, len(words) - 1)
    words[k] = rng.choice(WORDS)
    return " ".join(words)


def document_pair(seed: int, operations: list[str]) -> tuple[str, str]:
    """An earlier text of distinct sentences, and a later one whose paragraphs each come from one
    earlier paragraph by ``operation`` (a copy, an edit, one or two of its sentences among new ones)
    or are new."""
    rng = random.Random(seed)
    earlier = [[sentence(rng) for _ in range(3)] for _ in range(len(operations) + 2)]
    later = []
    for source, operation in zip(earlier, operations):
        if operation == "exact":
            later.append(" ".join(source))
        elif operation == "near":
            later.append(edited(" ".join(source), rng))
        elif operation == "partial":
            later.append(" ".join([sentence(rng), source[1], sentence(rng), sentence(rng)]))
        elif operation == "partial-two":
            later.append(" ".join([sentence(rng), source[0], edited(source[1], rng), sentence(rng)]))
        else:
            later.append(" ".join(sentence(rng) for _ in range(3)))
    return "\n\n".join(" ".join(p) for p in earlier), "\n\n".join(later)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), operations=st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=5))
def test_a_check_reports_what_a_scan_reports(tmp_path_factory, seed, operations):
    earlier, later = document_pair(seed, operations)
    expected = scan_side(earlier, later)
    assume(expected is not None)
    found = index_side(tmp_path_factory.mktemp("parity") / "i.dedup", earlier, later)
    assume(not copied_twice(found))
    assert found == expected


def copied_twice(passages: set[tuple]) -> bool:
    """Whether a span of the later text was found in two places of the earlier one: the scan reports it
    against its source, the index against every stored copy."""
    spans = sorted(span for _, span, *_ in passages)
    return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:]))


def once(text: str) -> str:
    """``text`` with each repeated line (a paragraph, in the sample) kept only where it first stands."""
    seen: set[str] = set()
    kept = [line for line in text.splitlines() if not (line.strip() and line in seen) and not seen.add(line)]
    return "\n".join(kept)


def test_checks_of_the_sample_report_what_scans_report(tmp_path):
    """Every ordered pair of the five seed articles (000 and 003 without their repeated blocks, which
    only the scan folds into clusters): the scan's eight reworded passages, found the same by checks."""
    texts = [once((SAMPLE / name).read_text(encoding="utf-8")) for name in SEED_IDS]
    compared = 0
    for k, (earlier, later) in enumerate(itertools.permutations(texts, 2)):
        expected = scan_side(earlier, later)
        assert expected is not None
        assert index_side(tmp_path / f"{k}.dedup", earlier, later) == expected
        compared += len(expected)
    assert compared == 8


def nothing(checked, config):
    return np.zeros(len(checked.pairs), dtype=bool)


def one_run_each(a_doc, a_row, b_doc, b_row):
    return [[i] for i in np.lexsort((a_row, b_row, a_doc, b_doc)).tolist()]


AS_WRITTEN = matches.as_written


def halved(pairs, kinds, config):
    return [tuple(value / 2 for value in values) for values in AS_WRITTEN(pairs, kinds, config)]


@pytest.mark.parametrize("side", [matches, verdict_module], ids=["scan", "index"])
@pytest.mark.parametrize("rule, replacement", [("near", nothing), ("reused", nothing),
                                               ("adjacent_runs", one_run_each), ("as_written", halved)])
def test_a_rule_changed_on_one_side_alone_breaks_parity(tmp_path, monkeypatch, side, rule, replacement):
    """Each side calls the rules by the name it imported, so changing one side's copy alone is what a
    second, drifting implementation would do: the comparison above must see it."""
    earlier, later = document_pair(7, ["near", "partial-two", "exact", "partial"])
    expected = scan_side(earlier, later)
    assert expected is not None and {item[0] for item in expected} == {"exact", "near", "partial"}
    assert any(earlier[slice(*item[2])].count(".") == 2 for item in expected if item[0] == "partial")  # a run
    assert index_side(tmp_path / "same.dedup", earlier, later) == expected
    monkeypatch.setattr(side, rule, replacement)
    changed = scan_side(earlier, later) if side is matches else expected
    assert index_side(tmp_path / "changed.dedup", earlier, later) != changed
