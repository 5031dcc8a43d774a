"""Composition of the stages; no algorithm lives here.

sources -> documents -> segments -> shingles -> signatures -> candidates -> matches -> clusters ->
diffs -> report. ``scan`` reads paths (the Python API the CLI calls); ``analyze`` runs on documents
already in memory (the index and tests use it).
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from functools import partial
from operator import attrgetter
from typing import Any

import numpy as np

from dedup.align import align
from dedup.boilerplate import Segments, scan_boilerplate
from dedup.config import ScanConfig
from dedup.conflicts import FigureConflict, find_figure_conflicts
from dedup.corrections import correction_originals
from dedup.dates import document_dates, time_order
from dedup.diff import Diff, FigureChange, TokenOp, WordingChange, diff_texts
from dedup.engines.base import Engine
from dedup.engines.local import LocalEngine
from dedup.evidence import related_matches, word_frequencies
from dedup.figures import DEFAULT_FOLDS, merge_folds
from dedup.matches import (
    compared_paragraphs,
    compared_sentences,
    measured_as_written,
    oriented,
    paragraph_level,
    reported_stars,
    sentence_level,
)
from dedup.model import Comparison, Match, Report
from dedup.overlap import compared_chars, repeated_blocks
from dedup.progress import Progress
from dedup.relations import (
    document_relations,
    resent_versions,
    versions_of_one_company,
    versions_within_window,
    with_alignments,
    with_corrections,
)
from dedup.segment import SegmentTable, join_segments, segment_documents, segment_text
from dedup.series import sent_under
from dedup.sources import DEFAULT_GLOBS, MAX_DOCUMENT_BYTES, Document, InputError, read_documents
from dedup.stories import story_groups
from dedup.subjects import subject_keys


def scan(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *, config: ScanConfig | None = None,
         globs: Iterable[str] = DEFAULT_GLOBS, skip_bad_lines: bool = False,
         max_document_bytes: int = MAX_DOCUMENT_BYTES,
         warn: Callable[[str], None] | None = None, progress: Progress | None = None,
         engine: Engine | None = None, **options: object) -> Report:
    """Scan files, folders, JSONL and Parquet files for exact, near and partial reuse.

    Options are :class:`~dedup.config.ScanConfig` fields (``threshold=0.8``...). ``engine`` reads the
    files and runs the heavy stages (default: :class:`~dedup.engines.local.LocalEngine` with
    ``config.workers`` workers). Raises :class:`~dedup.sources.InputError` when a path is missing or
    nothing can be read.
    """
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    config = dataclasses.replace(config or ScanConfig(), **options)  # type: ignore[arg-type]
    warnings: list[str] = []

    def collect(message: str) -> None:
        warnings.append(message)
        if warn is not None:
            warn(message)

    with LocalEngine(config.workers) if engine is None else nullcontext(engine) as used:
        documents = used.read(paths, globs=tuple(globs), warn=collect, skip_bad_lines=skip_bad_lines,
                              max_document_bytes=max_document_bytes)
        report = analyze(documents, config, progress=progress, engine=used, warn=collect)
    report.warnings = warnings
    return report


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector. A scan builds millions of objects that live until it ends
    (matches, passages, diffs) and the collector re-scanned them all over and over: 0.9 s of the
    driver's 2.8 s on the 50 MB generated corpus, for 60 objects of cyclic garbage. Serial driver time
    is what keeps a scan from scaling with workers; collection resumes (if it was on) afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
def analyze(documents: Sequence[Document], config: ScanConfig | None = None, *,
            progress: Progress | None = None, engine: Engine | None = None,
            segments: tuple[SegmentTable, SegmentTable] | None = None,
            warn: Callable[[str], None] | None = None) -> Report:
    """Find reuse in and across ``documents`` (in memory); ``engine`` runs the heavy stages
    (default: :class:`~dedup.engines.local.LocalEngine` with ``config.workers`` workers).
    ``segments`` are the documents' paragraph and sentence tables when the caller has them already.
    Documents are dated by their ``config.date_field`` metadata; ``warn`` hears of a date that cannot be read.

    With ``config.diffs`` off the matches carry no diff and there are no figure conflicts: the diff,
    story and figure stages are skipped, and every other part of the report is the same."""
    config = config or ScanConfig()
    if engine is None:
        with LocalEngine(config.workers) as local:
            return analyze(documents, config, progress=progress, engine=local, segments=segments, warn=warn)
    progress = progress or Progress()
    timings: dict[str, float] = {}
    texts = [d.text for d in documents]
    dates = document_dates(documents, config.date_field, warn)
    times = time_order(dates)

    with _timed(timings, "segment"):
        progress.start("documents", len(texts))
        paragraphs, sentences = segments or join_segments(engine.starmap(
            segment_text, [(text,) for text in texts], progress=progress.advance, costs=list(map(len, texts))))
    with _timed(timings, "signatures"):
        progress.start("paragraphs", len(paragraphs))
        paragraph_sets, paragraph_sigs = engine.sign(paragraphs.text_view(texts), config.shingle_size, config.num_perm,
                                                     config.seed, progress=progress.advance)
        progress.start("sentences", len(sentences))
        sentence_sets, _ = engine.sign(sentences.text_view(texts), config.sentence_shingle_size, 0, config.seed,
                                       progress=progress.advance)
    with _timed(timings, "paragraph_matches"):
        paragraph_result = paragraph_level(paragraphs, paragraph_sets, paragraph_sigs, config, engine, times)
        # Signatures and shingle sets are the largest arrays of a scan: free them before the sentence
        # level allocates its own; later stages need only which paragraphs are compared and their hashes.
        compared = compared_paragraphs(paragraph_sets.words, config)
        paragraph_exact = paragraph_sets.exact
        del paragraph_sigs, paragraph_sets
    with _timed(timings, "sentence_matches"):
        sentence_result = sentence_level(sentences, sentence_sets, paragraph_result.components.label, config, engine,
                                         times, label_offset=len(paragraph_result.components.representative))
    levels = (Segments("paragraph", paragraphs, paragraph_exact, compared),
              Segments("sentence", sentences, sentence_sets.exact, compared_sentences(sentence_sets, config)))
    del sentence_sets
    # The share is of the text that is compared at all: paragraphs of at least min_words words.
    paragraph_chars = compared_chars(paragraphs, compared, len(documents))
    with _timed(timings, "evidence"):  # boilerplate is evidence of nothing: it goes first
        found = paragraph_result.matches + sentence_result.matches
        found_clusters = paragraph_result.clusters + sentence_result.clusters
        candidates, clusters, boilerplate = scan_boilerplate(found, found_clusters, texts, levels, paragraph_chars,
                                                             config)
        frequencies = word_frequencies(texts)
        matches, clusters = related_matches(candidates, clusters, texts, frequencies, config, dates)
        matches, clusters = reported_stars(oriented(matches, times), clusters, found_clusters)
        matches = sorted(measured_as_written(matches, texts, config), key=_match_order)
    if config.diffs:
        with _timed(timings, "diffs"):
            matches = _with_diffs(matches, texts, engine, progress)
    with _timed(timings, "document_view"):
        paragraph_keys = np.where(compared, paragraph_exact.view(np.int64), -1)
        # A boilerplate paragraph both documents hold is no share of reuse between them.
        boilerplate_rows = paragraphs.rows_of([b.examples[0] for b in boilerplate if b.level == "paragraph"])
        paragraph_keys[np.isin(paragraph_keys, paragraph_keys[boilerplate_rows])] = -1
        relations = document_relations(matches, paragraphs, paragraph_keys, paragraph_chars, times)
        keys = [subject_keys(text) for text in texts]
        relations = with_corrections(relations, correction_originals(texts, times, dates, frequencies, keys))
        relations = resent_versions(relations, {doc: sent_under(texts[doc], dates[doc])
                                                for r in relations for doc in (r.source, r.copy)})
        blocks = repeated_blocks(matches, paragraphs)
    # Without diffs no alignment is kept: deciding the kinds is part of the document view.
    with _timed(timings, "alignments" if config.diffs else "document_view"):
        relations = with_alignments(relations, texts, paragraphs, sentences, clusters, config, keep=config.diffs)
        relations = versions_within_window(versions_of_one_company(relations, keys), dates)
    conflicts: list[FigureConflict] = []
    if config.diffs:
        with _timed(timings, "stories"):
            # Related documents: versions and rewrites of one another.
            related = [(r.source, r.copy) for r in relations]
            stories = story_groups(texts, related, dates)
        with _timed(timings, "figure_conflicts"):
            conflicts = figure_conflicts(texts, sentences, stories, figure_folds(config), engine=engine,
                                         progress=progress, dates=dates, related=related)
    stats: dict[str, object] = {"documents": len(documents), **paragraph_result.stats, **sentence_result.stats,
                                "matches_of_boilerplate": len(found) - len(candidates),
                                "matches_without_evidence": len(candidates) - len(matches),
                                "seconds": {k: round(v, 4) for k, v in timings.items()}}
    return Report(list(documents), matches, clusters, blocks, relations, boilerplate, conflicts, config.as_dict(),
                  stats)


def _match_order(match: Match) -> tuple[int, int, int, int]:
    return (match.b.doc, match.b.start, match.a.doc, match.a.start)


def _with_diffs(matches: list[Match], texts: Sequence[str], engine: Engine, progress: Progress) -> list[Match]:
    """Every near and partial match with its diff (exact matches have none to show)."""
    changed = [i for i, m in enumerate(matches) if m.kind != "exact"]
    progress.start("diffs", len(changed))
    arguments = [(texts[a.doc][a.start:a.end], texts[b.doc][b.start:b.end], a.start, b.start)
                 for a, b in ((matches[i].a, matches[i].b) for i in changed)]
    diffs = engine.starmap(diff_values, arguments, progress=progress.advance,
                           costs=[len(a) + len(b) for a, b, _, _ in arguments])
    result = list(matches)
    for i, (ops, wording, figures) in zip(changed, diffs):
        diff = Diff(tuple(TokenOp(*op) for op in ops), tuple(WordingChange(*change) for change in wording),
                    tuple(FigureChange(*change) for change in figures))
        result[i] = dataclasses.replace(matches[i], diff=diff)
    return result


_OP_VALUES, _WORDING_VALUES, _FIGURE_VALUES = (attrgetter(*kind.__slots__)
                                               for kind in (TokenOp, WordingChange, FigureChange))


def diff_values(a: str, b: str, a_offset: int, b_offset: int) -> tuple[list[tuple[Any, ...]], ...]:
    """:func:`~dedup.diff.diff_texts` as plain tuples of field values (a task of :func:`_with_diffs`): a
    frozen slotted dataclass unpickles field by field through ``dataclasses.fields``, which made the
    driver's share of the diff stage; it builds them from tuples several times faster."""
    diff = diff_texts(a, b, a_offset, b_offset)
    return ([_OP_VALUES(op) for op in diff.ops], [_WORDING_VALUES(change) for change in diff.wording],
            [_FIGURE_VALUES(change) for change in diff.figures])


def figure_conflicts(texts: Sequence[str], sentences: SegmentTable, stories: Sequence[Sequence[int]],
                     folds: Mapping[str, Sequence[str]] = DEFAULT_FOLDS, *, engine: Engine | None = None,
                     progress: Progress | None = None, dates: Sequence[datetime | None] | None = None,
                     related: Sequence[tuple[int, int]] | None = None) -> list[FigureConflict]:
    """Figure conflicts within each story line (see :func:`dedup.stories.story_groups`), in story
    order; ``dates`` are the documents' dates (None where unknown), ``related`` the pairs related by
    reuse (None: every pair of a story line).

    Stories are independent, so each one is a call of the engine's ``starmap``: its documents' texts
    and sentence spans go in, and only its conflicts (few) come back; slicing sentences, extracting
    figures and the headline rules all run in the workers.
    """
    progress = progress or Progress()
    progress.start("figures", len(stories))
    members = np.fromiter((doc for story in stories for doc in story), dtype=np.int64)
    first = np.searchsorted(sentences.doc, np.arange(len(texts) + 1))  # a document's rows: first[d]:first[d + 1]
    counts = first[members + 1] - first[members]
    # The rows of every story's documents, in story order, without a Python loop over sentences.
    rows = np.repeat(first[members] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    spans = np.stack([sentences.start[rows], sentences.end[rows], sentences.line[rows]], axis=1)
    story_ends = np.cumsum([len(story) for story in stories], dtype=np.int64)
    span_ends = np.r_[0, np.cumsum(counts)][story_ends]
    dates = dates or [None] * len(texts)
    story_pairs = _pairs_by_story(stories, related)
    arguments = [(story, [texts[doc] for doc in story], story_counts, story_spans, [dates[doc] for doc in story],
                  pairs)
                 for story, story_counts, story_spans, pairs in zip(stories, np.split(counts, story_ends[:-1]),
                                                                    np.split(spans, span_ends[:-1]), story_pairs)]
    found = (engine or LocalEngine()).starmap(partial(story_conflicts, folds=folds), arguments,
                                              progress=progress.advance,
                                              costs=[sum(map(len, argument[1])) for argument in arguments])
    return [conflict for conflicts in found for conflict in conflicts]


def _pairs_by_story(stories: Sequence[Sequence[int]],
                    related: Sequence[tuple[int, int]] | None) -> list[list[tuple[int, int]] | None]:
    """The related pairs inside each story line (None for each when every pair counts as related)."""
    if related is None:
        return [None] * len(stories)
    story_of = {doc: number for number, story in enumerate(stories) for doc in story}
    pairs: list[list[tuple[int, int]]] = [[] for _ in stories]
    for a, b in related:
        if a in story_of and story_of[a] == story_of.get(b):
            pairs[story_of[a]].append((a, b))
    return list(pairs)


def story_conflicts(story: Sequence[int], texts: Sequence[str], counts: np.ndarray, spans: np.ndarray,
                    dates: Sequence[datetime | None], related: Sequence[tuple[int, int]] | None,
                    folds: Mapping[str, Sequence[str]] = DEFAULT_FOLDS) -> list[FigureConflict]:
    """Figure conflicts of one story: ``texts`` of its documents ``story``, ``counts`` sentences each,
    ``spans`` their ``(start, end, line)`` in order, ``dates`` theirs and the ``related`` pairs among
    them (a task of :func:`figure_conflicts`)."""
    rows = iter(spans.tolist())
    documents = [(doc, [(text[start:end], line) for start, end, line in itertools.islice(rows, count)])
                 for doc, text, count in zip(story, texts, counts.tolist())]
    return find_figure_conflicts(documents, folds, dates, related)


def figure_folds(config: ScanConfig) -> Mapping[str, Sequence[str]]:
    """The figure groups conflicts fold counted things by: the defaults and the user's ``figure_groups``."""
    return merge_folds(dict(config.figure_groups)) if config.figure_groups else DEFAULT_FOLDS


def compare(a: str | os.PathLike[str], b: str | os.PathLike[str], *, config: ScanConfig | None = None,
            warn: Callable[[str], None] | None = None) -> Comparison:
    """Align two documents (``dedup diff A B``): aligned passages with their diffs, added and removed
    paragraphs, and the figures on which the two disagree."""
    config = config or ScanConfig()
    documents = []
    for path in (a, b):
        found = read_documents([path], warn=warn or (lambda message: None))
        if len(found) != 1:
            raise InputError(f"{path}: holds {len(found)} documents; diff compares two single documents")
        documents.append(found[0])
    texts = [d.text for d in documents]
    paragraphs, sentences = segment_documents(texts)
    report = analyze(documents, dataclasses.replace(config, diffs=False),  # aligned and diffed below
                     segments=(paragraphs, sentences))
    items = align(report, paragraphs, sentences, config)
    conflicts = figure_conflicts(texts, sentences, [[0, 1]], figure_folds(config))
    return Comparison(documents, items, conflicts)


@contextmanager
def _timed(timings: dict[str, float], stage: str):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started
