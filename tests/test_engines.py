"""The engine contract: every engine returns exactly what the local reference returns.

One battery of checks runs on every engine (scikit-learn's ``parametrize_with_checks`` idea): each
primitive of :class:`dedup.engines.base.Engine` on random inputs, then whole reports on the sample and
on a generated corpus of 10,000 paragraphs with planted copies. A new engine joins by adding one line
to ``ENGINES``. Ray engines share one Ray instance per session (2 CPUs) and are skipped without Ray.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup import candidates, verify
from dedup.cluster import cluster
from dedup.engines.base import Engine, whole_texts
from dedup.engines.chunks import split
from dedup.engines.local import LocalEngine, batches, sign_all
from dedup.minhash import sign_texts
from dedup.pipeline import analyze
from dedup.report.render_json import report_dict
from dedup.segment import segment_documents
from dedup.sources import Document, InputError, read_documents


def _ray_engine(shards: int) -> Callable[[], Engine]:
    def make() -> Engine:
        from dedup.engines.ray import RayEngine

        return RayEngine(shards=shards)
    return make


ENGINES: dict[str, Callable[[], Engine]] = {
    "local": LocalEngine,
    "local-2-workers": lambda: LocalEngine(workers=2),  # threads for signatures, processes for starmap
    "ray-1-shard": _ray_engine(1),
    "ray-3-shards": _ray_engine(3),
}


@pytest.fixture(params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> Engine:
    if request.param.startswith("ray"):
        request.getfixturevalue("ray_session")
    return ENGINES[request.param]()


def assert_same(expected: np.ndarray, actual: np.ndarray) -> None:
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual, expected)


def report_json(report: Any) -> dict[str, Any]:
    """The report as JSON minus the run statistics (timings differ between runs)."""
    data = report_dict(report)
    del data["stats"]
    return data


# ---------------------------------------------------------------------------------------------- corpus

def generated_corpus(paragraphs: int = 10_000, seed: int = 7) -> list[Document]:
    """Documents of 5-15 paragraphs of Zipf-drawn pseudo-words, with planted reuse: 5 % exact copies and
    10 % near copies (one or two words changed) of earlier paragraphs, 7 % new paragraphs holding one
    earlier sentence; one sentence in ten carries a figure."""
    rng = np.random.default_rng(seed)
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    words = np.array(sorted({"".join(rng.choice(syllables, rng.integers(1, 4))) for _ in range(3000)}))
    rank = 1.0 / np.arange(1, len(words) + 1)
    lengths = rng.integers(8, 20, 5 * paragraphs).tolist()
    pool = words[rng.choice(len(words), sum(lengths), p=rank / rank.sum())].tolist()
    ends = np.cumsum(lengths).tolist()
    fresh = [pool[end - n:end] for end, n in zip(ends, lengths)]
    for s in rng.choice(len(fresh), len(fresh) // 10, replace=False).tolist():
        fresh[s].insert(int(rng.integers(0, len(fresh[s]))), str(rng.integers(2, 500)))
    made: list[list[list[str]]] = []
    for roll in rng.random(paragraphs).tolist():
        if made and roll < 0.15:
            paragraph = [list(s) for s in made[rng.integers(0, len(made))]]
            for _ in range(rng.integers(1, 3) if roll >= 0.05 else 0):
                sentence = paragraph[rng.integers(0, len(paragraph))]
                sentence[rng.integers(0, len(sentence))] = str(words[rng.integers(0, len(words))])
        elif made and roll < 0.22:
            donor = made[rng.integers(0, len(made))]
            paragraph = [fresh.pop() for _ in range(rng.integers(2, 5))]
            paragraph.insert(int(rng.integers(0, len(paragraph))), list(donor[rng.integers(0, len(donor))]))
        else:
            paragraph = [fresh.pop() for _ in range(rng.integers(2, 6))]
        made.append(paragraph)
    texts = [" ".join(" ".join(s).capitalize() + "." for s in paragraph) for paragraph in made]
    bounds = np.r_[0, np.cumsum(rng.integers(5, 16, paragraphs))]
    bounds = [*bounds[bounds < paragraphs].tolist(), paragraphs]
    return [Document(f"doc{d:05d}", f"doc{d:05d}.txt", "\n\n".join(texts[a:b]) + "\n")
            for d, (a, b) in enumerate(itertools.pairwise(bounds))]


@pytest.fixture(scope="module")
def generated() -> list[Document]:
    return generated_corpus()


@pytest.fixture(scope="module")
def generated_reference(generated: list[Document]) -> dict[str, Any]:
    return report_json(analyze(generated))


# ---------------------------------------------------------------------------------------------- inputs

def random_sets(rng: np.random.Generator, n: int, universe: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sorted sets (CSR) of mixed 64-bit hashes from a small universe, so many are shared; one
    hash is in a third of all sets (a stock phrase beyond ``max_df``)."""
    mixed = (np.arange(universe, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    sets = []
    for i in range(n):
        members = rng.integers(0, universe, rng.integers(0, 40))
        sets.append(np.unique(mixed[np.r_[members, 0] if i % 3 == 0 else members]))
    offsets = np.r_[0, np.cumsum([len(s) for s in sets])].astype(np.int64)
    return (np.concatenate(sets) if sets else np.empty(0, dtype=np.uint64)), offsets


def random_graph(rng: np.random.Generator, n: int, shape: str) -> np.ndarray:
    """Edges of ``n`` nodes: sparse random, one long path in random order (many star rounds), stars,
    or any of these with duplicates and self-loops."""
    if shape == "path":
        order = rng.permutation(n)
        edges = np.stack([order[:-1], order[1:]], axis=1)
    elif shape == "stars":
        centres = rng.integers(0, n, max(n // 50, 1))
        leaves = rng.integers(0, n, n)
        edges = np.stack([centres[leaves % len(centres)], leaves], axis=1)
    else:
        edges = rng.integers(0, n, (int(rng.integers(0, n)), 2))
    if shape == "messy":
        loops = np.repeat(rng.integers(0, n, (5, 1)), 2, axis=1)
        edges = np.concatenate([edges, edges[: len(edges) // 2, ::-1], loops])
    return rng.permutation(edges.reshape(-1, 2))


SEEDS = range(4)


# ---------------------------------------------------------------------------------------------- checks

def test_read(engine: Engine, tmp_path: Path) -> None:
    """Folders, text, JSONL (plain and gzip) and Parquet files by row group: the documents, order,
    warnings and errors of :func:`dedup.sources.read_documents`, on every engine."""
    pa, pq = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet")
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("First article.\n\nSecond paragraph.\n")
    (folder / "sub" / "empty.md").write_text("  \n")
    (folder / "latin.txt").write_bytes("Caf\xe9 au lait.\n".encode("latin-1"))
    (folder / "feed.jsonl").write_text(json.dumps({"id": "a.txt", "text": "Id clash."}) + "\n"
                                       + json.dumps({"text": "No id.", "desk": "wires"}) + "\n")
    with gzip.open(folder / "sub" / "more.jsonl.gz", "wt") as handle:
        handle.write(json.dumps({"id": 7, "text": "Zipped."}) + "\n")
    pq.write_table(pa.table({"id": ["p1", None, "a.txt", "p4", "p5"], "text": [f"Row {i}." for i in range(5)],
                             "published": ["2024-01-05", None, "2024-01-01", "2024-01-03", "2024-01-02"]}),
                   folder / "sub" / "rows.parquet", row_group_size=2)
    extra = tmp_path / "extra.parquet"
    pq.write_table(pa.table({"text": ["Given by name."]}), extra)
    expected_warnings: list[str] = []
    expected = read_documents([folder, extra], warn=expected_warnings.append)
    warnings: list[str] = []
    found = engine.read([folder, extra], globs=("*.txt", "*.md"), warn=warnings.append, skip_bad_lines=False,
                        max_document_bytes=1_000_000)
    assert (found, warnings) == (expected, expected_warnings)
    assert [d.id for d in found][-7:] == ["7", "p1", "rows.parquet:2", str(folder / "sub" / "rows.parquet:3"), "p4",
                                          "p5", "extra.parquet:1"]
    assert len(warnings) == 4  # latin-1, empty, the id clashes of feed.jsonl and of row 3
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"text": ["Good.", None]}), bad)
    with pytest.raises(InputError, match=r"bad\.parquet:2: \"text\" is missing or not a string \(use --skip"):
        engine.read([bad], globs=(), warn=warnings.append, skip_bad_lines=False, max_document_bytes=1_000_000)



def test_sign(engine: Engine, generated: list[Document]) -> None:
    texts = [d.text for d in generated[:200]] + ["", "one", "東京都の新しい知事", "Ünïcödé — “quotes” 3.5%"]
    for num_perm in (128, 0):
        done: list[int] = []
        sets, signatures = engine.sign(whole_texts(texts), 5, num_perm, 1, progress=done.append)
        expected_sets, expected_signatures = sign_all(texts, 5, num_perm, 1)
        for name in ("hashes", "offsets", "exact", "words"):
            assert_same(getattr(expected_sets, name), getattr(sets, name))
        assert_same(expected_signatures, signatures)
        assert sum(done) == len(texts)
    empty_sets, empty_signatures = engine.sign(whole_texts([]), 5, 64, 1)
    assert len(empty_sets) == 0 and empty_signatures.shape == (0, 64)


def test_sign_segments_of_documents(engine: Engine, generated: list[Document]) -> None:
    """A table's segment texts, sliced from the documents in batches (a Ray task gets documents and
    offsets), sign as the list of the same texts does."""
    texts = [d.text for d in generated[:300]] + ["", "Ünïcödé — “quotes” 3.5%. 東京都の新しい知事。"]
    for table in segment_documents(texts):
        view, listed = table.text_view(texts), table.texts(texts)
        assert list(view) == listed and view[5:9] == listed[5:9] and view[-1] == listed[-1]
        assert view[::7] == listed[::7] and view[9:5] == []
        sets, signatures = engine.sign(view, 3, 64, 1)
        expected_sets, expected_signatures = sign_all(listed, 3, 64, 1)
        for name in ("hashes", "offsets", "exact", "words"):
            assert_same(getattr(expected_sets, name), getattr(sets, name))
        assert_same(expected_signatures, signatures)



def test_sign_all_gives_the_same_in_any_batches_and_threads(generated: list[Document]) -> None:
    """Tapered batches on two threads sign as one batch on one; texts holding NUL (the batch
    separator), needing NFKC or astral take the slower paths inside a batch."""
    odd = ["a\0b c d e f", "\0", "Straße ﬁnal e\u0301te", "\U0001F600 ok \0 x", "x\ud800y", "", "ｆｕｌｌ"]
    texts = [d.text for d in generated[:150]] + odd * 3 + [d.text for d in generated[150:300]]
    whole_sets, whole_signatures = sign_texts(texts, 5, 64, 1)
    for batch_texts in (1, 7, 64):
        spans = batches(len(texts), batch_texts, workers=2)
        assert [s for s, _ in spans[1:]] == [e for _, e in spans[:-1]] and spans[-1][1] == len(texts)
        sets, signatures = sign_all(texts, 5, 64, 1, workers=2, batch_texts=batch_texts)
        for name in ("hashes", "offsets", "exact", "words"):
            assert_same(getattr(whole_sets, name), getattr(sets, name))
        assert_same(whole_signatures, signatures)
    sizes = [e - s for s, e in batches(100_000, 8192, workers=2)]
    assert sizes[0] == 8192 and sizes[-2] < sizes[0] // 4 and sum(sizes) == 100_000

@pytest.mark.parametrize("seed", SEEDS)
def test_bucket_pairs(engine: Engine, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n, bands, alphabet in ((0, 20, 5), (1, 20, 5), (300, 7, 40), (500, 20, 3), (200, 1, 2)):
        keys = rng.integers(0, alphabet, (n, bands)).astype(np.uint64)
        keys[: n // 2, 0] = 99  # a bucket beyond SMALL_BUCKET: pairs with its first member only
        assert_same(candidates.bucket_pairs(keys), engine.bucket_pairs(keys))


@pytest.mark.parametrize("seed", SEEDS)
def test_shared_shingle_pairs(engine: Engine, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cases = ((0, 10, 1, 5), (1, 10, 1, 5), (400, 300, 3, 40), (300, 60, 6, 256), (200, 100, 1, 2))
    for n, universe, min_shared, max_df in cases:
        hashes, offsets = random_sets(rng, n, universe)
        expected_pairs, expected_counts = candidates.shared_shingle_pairs(hashes, offsets, min_shared, max_df)
        pairs, counts = engine.shared_shingle_pairs(hashes, offsets, min_shared, max_df)
        assert_same(expected_pairs, pairs)
        assert_same(expected_counts, counts)


@pytest.mark.parametrize("seed", SEEDS)
def test_overlaps(engine: Engine, seed: int) -> None:
    rng = np.random.default_rng(seed)
    hashes, offsets = random_sets(rng, 300, 200)
    for count in (0, 1, 1000):
        pairs = rng.integers(0, 300, (count, 2))
        expected, found = verify.overlaps(hashes, offsets, pairs), engine.overlaps(hashes, offsets, pairs)
        for name in ("pairs", "shared", "size_a", "size_b"):
            assert_same(getattr(expected, name), getattr(found, name))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", ["random", "path", "stars", "messy"])
def test_cluster(engine: Engine, seed: int, shape: str) -> None:
    rng = np.random.default_rng(seed)
    for n in (1, 2, 50, 2000):
        edges = random_graph(rng, n, shape)
        expected, found = cluster(n, edges), engine.cluster(n, edges)
        for name in ("label", "parent", "representative"):
            assert_same(getattr(expected, name), getattr(found, name))
    assert_same(cluster(10, np.empty((0, 2))).parent, engine.cluster(10, np.empty((0, 2))).parent)


def test_starmap_keeps_order_and_reports_progress(engine: Engine) -> None:
    from dedup.engines.local import PROCESS_MIN_CALLS
    from dedup.figures import extract_figures

    texts = [(f"{i} civilians were killed and {i % 7} soldiers were wounded",) for i in range(PROCESS_MIN_CALLS + 17)]
    done: list[int] = []
    results = engine.starmap(extract_figures, texts, progress=done.append)
    assert results == [extract_figures(*args) for args in texts]
    assert sum(done) == len(texts)
    assert [(f.label, f.event) for f in results[31]] == [("31 civilians", "killed"), ("3 soldiers", "injured")]
    assert engine.starmap(extract_figures, []) == []


def test_starmap_with_costs_keeps_order(engine: Engine) -> None:
    from dedup.figures import extract_figures

    texts = [(f"{i} civilians were killed" + " and more" * (i % 50),) for i in range(600)]
    done: list[int] = []
    results = engine.starmap(extract_figures, texts, progress=done.append, costs=[len(t) for t, in texts])
    assert results == [extract_figures(*args) for args in texts]
    assert sum(done) == len(texts)


def _values(chunks: list[Any]) -> list[list[int]]:
    return [[value for value, in chunk] for chunk in chunks]


def test_split_by_costs_gives_equal_shares() -> None:
    calls = [(i,) for i in range(10)]
    assert _values(split(calls, 3, costs=[1] * 10)) == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]
    # a heavy call gets a chunk of its own, before or after it
    assert _values(split(calls, 4, costs=[1] * 9 + [100])) == [[0, 1, 2, 3, 4, 5, 6, 7, 8], [9]]
    assert _values(split(calls, 3, costs=[100] + [1] * 9)) == [[0], [1, 2, 3, 4, 5, 6, 7, 8, 9]]
    # no chunk lighter than min_cost; zero costs fall back to counts (and min_size)
    assert _values(split(calls, 100, costs=[5] * 10, min_cost=12)) == [[0, 1], [2, 3, 4], [5, 6], [7, 8, 9]]
    assert _values(split(calls, 4, 3, costs=[0] * 10)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert split([], 4, costs=[]) == []
    rng = np.random.default_rng(3)
    costs = rng.integers(1, 1000, 100_000).tolist()
    chunks = split(list(range(100_000)), 16, costs=[int(c) for c in costs])
    shares = [sum(costs[i] for i in chunk) for chunk in chunks]
    assert len(chunks) == 16 and [i for chunk in chunks for i in chunk] == list(range(100_000))
    assert max(shares) - min(shares) <= 2 * 1000


def test_few_heavy_calls_go_to_worker_processes() -> None:
    from dedup.engines.local import PROCESS_MIN_COST

    with LocalEngine(workers=2) as engine:
        pids = engine.starmap(os.getpid, [()] * 4, costs=[PROCESS_MIN_COST // 4] * 4)
        assert os.getpid() not in pids
        assert engine.starmap(os.getpid, [()] * 4, costs=[10] * 4) == [os.getpid()] * 4


def test_report_on_the_sample(engine: Engine, seed_report: Any) -> None:
    assert report_json(analyze(seed_report.documents, engine=engine)) == report_json(seed_report)


def test_report_on_generated_corpus(engine: Engine, generated: list[Document],
                                    generated_reference: dict[str, Any]) -> None:
    report = analyze(generated, engine=engine)
    assert report.stats["paragraphs"] == 10_000
    assert report.count("near") > 500 and report.count("partial") > 500
    assert report_json(report) == generated_reference
