"""The corpora the benchmarks run on.

* ``debian``: the machine's Debian copyright files (``/usr/share/doc/*/copyright``, about 15 MB): real
  text in which license paragraphs are reused hundreds of times, exactly and with small edits.
* ``generated``: synthetic articles with planted near-copies whose edits are known, so recall can be
  counted. Words are Zipf-distributed pseudo-words, sentences 15-30 words, paragraphs 3-6 sentences,
  documents 5-15 paragraphs; about one paragraph in ten is a copy of an earlier one with word
  substitutions, insertions, deletions, two sentences swapped, changed figures, or no change. The
  edits are spaced so that each one changes a known number of word 5-shingles, which gives each copy
  a *design* Jaccard similarity (see :func:`_edit`). It is generated with numpy (about 15 MB/s) and
  cached under ``data/generated/`` (git-ignored) as JSONL, readable by ``dedup scan``, next to
  ``truth.json``, keyed by the generator's parameters.
* ``sample``: the five bundled articles of ``data/sample/``.

``python -m benchmarks.corpora --quick|--full`` builds the corpora of a mode ahead of a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from glob import glob
from itertools import pairwise
from pathlib import Path

import numpy as np

from benchmarks._harness import REPO, parse_mode
from dedup.segment import segment_documents
from dedup.sources import Document, UnusableFile, decode, read_documents

GENERATED = REPO / "data" / "generated"
SAMPLE = REPO / "data" / "sample"
DEBIAN_GLOB = "/usr/share/doc/*/copyright"
GENERATOR_VERSION = 2  # part of the cache key: bump it whenever the generated text changes
KINDS = ("substitution", "insertion", "deletion", "reorder", "figures", "exact")
KIND_SHARES = (0.25, 0.2, 0.2, 0.15, 0.1, 0.1)
BATCH_BYTES = 16_000_000
TRUTH_COLUMNS = ("source", "copy", "kind", "edits", "edit_rate", "design")


@dataclass(frozen=True, slots=True)
class Corpus:
    """Documents plus a name and a one-line description for the result tables."""

    name: str
    documents: list[Document]
    description: str

    @property
    def texts(self) -> list[str]:
        return [d.text for d in self.documents]

    @property
    def size_bytes(self) -> int:
        return sum(len(t.encode("utf-8", "surrogatepass")) for t in self.texts)

    def paragraphs(self) -> list[str]:
        """Paragraph texts as dedup segments them (the unit every paragraph-level method compares)."""
        texts = self.texts
        paragraphs, _ = segment_documents(texts)
        return paragraphs.texts(texts)

    def jsonl(self) -> Path:
        """The corpus as one JSONL file of ``{id, text}`` for ``dedup scan`` (cached by content)."""
        digest = hashlib.sha1()
        for document in self.documents:
            digest.update(f"{document.id}\0{document.text}\0".encode("utf-8", "surrogatepass"))
        path = GENERATED / f"{self.name}-{digest.hexdigest()[:12]}.jsonl"
        if not path.exists():
            _write_atomically(path, [json.dumps({"id": d.id, "text": d.text}) + "\n" for d in self.documents])
        return path


def debian(max_bytes: int | None = None) -> Corpus:
    """The machine's Debian copyright files, each file once (many package folders are symlinks).

    With ``max_bytes`` a deterministic spread of files (ordered by a hash of the path, not by name,
    so the subset is not all ``lib*``) is taken as long as it fits the budget.
    """
    paths = sorted({os.path.realpath(p) for p in glob(DEBIAN_GLOB)})
    if max_bytes is not None:
        paths.sort(key=lambda p: hashlib.sha1(p.encode()).digest())
    documents: list[Document] = []
    total = 0
    for path in paths:
        try:
            text, encoding = decode(Path(path).read_bytes())
        except (OSError, UnusableFile):
            continue
        size = len(text.encode("utf-8", "surrogatepass"))
        if max_bytes is not None and documents and total + size > max_bytes:
            continue  # over budget: a smaller file further on may still fit
        documents.append(Document(Path(path).parent.name, path, text, encoding))
        total += size
    if not documents:
        raise RuntimeError(f"no readable files match {DEBIAN_GLOB}: the Debian corpus needs a Debian-based "
                           "system with documentation installed")
    documents.sort(key=lambda d: d.path)
    return Corpus("debian", documents, f"{len(documents)} Debian copyright files, {total / 1e6:.1f} MB")


def sample() -> Corpus:
    documents = read_documents([SAMPLE])
    return Corpus("sample", documents, f"data/sample: {len(documents)} articles")


# ---------------------------------------------------------------------------------------------- generated

@dataclass(frozen=True, slots=True)
class GeneratorParams:
    """Everything the generated corpus depends on; its hash names the cache folder.

    Design similarities assume word ``shingle``-grams, dedup's default paragraph shingle size.
    """

    target_bytes: int
    seed: int = 0
    vocabulary: int = 30_000
    zipf_exponent: float = 1.0
    copy_rate: float = 0.1
    number_rate: float = 0.015
    lowest_similarity: float = 0.5
    shingle: int = 5
    version: int = GENERATOR_VERSION

    def key(self) -> str:
        return hashlib.sha1(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]

    @property
    def folder(self) -> Path:
        return GENERATED / f"synthetic-{self.target_bytes // 1_000_000}mb-{self.key()}"


@dataclass(frozen=True, slots=True)
class Planted:
    """Ground truth: planted copy ``copy[i]`` (a paragraph row, in corpus order) was made from the
    original paragraph ``source[i]`` by ``edits[i]`` edits of ``kind[i]``, touching ``edit_rate[i]`` of
    its words, for an expected exact Jaccard of ``design[i]``."""

    source: np.ndarray
    copy: np.ndarray
    kind: np.ndarray
    edits: np.ndarray
    edit_rate: np.ndarray
    design: np.ndarray

    def __len__(self) -> int:
        return len(self.source)


@dataclass(frozen=True)
class GeneratedCorpus:
    params: GeneratorParams
    path: Path
    planted: Planted
    paragraphs: int
    size_bytes: int

    @cached_property
    def corpus(self) -> Corpus:
        documents = read_documents([self.path])
        return Corpus("generated", documents, self.description)

    @property
    def description(self) -> str:
        return (f"generated: {self.size_bytes / 1e6:.0f} MB, {self.paragraphs:,} paragraphs, "
                f"{len(self.planted):,} planted copies")


def generated(target_bytes: int, **options: object) -> GeneratedCorpus:
    """The generated corpus of at least ``target_bytes`` of text, from the cache or built now."""
    params = GeneratorParams(target_bytes, **options)  # type: ignore[arg-type]
    truth_path = params.folder / "truth.json"
    if not truth_path.exists():
        _generate(params)
    truth = json.loads(truth_path.read_text())
    columns = truth["planted"]
    planted = Planted(np.array(columns["source"], dtype=np.int64), np.array(columns["copy"], dtype=np.int64),
                      np.array(columns["kind"]), np.array(columns["edits"], dtype=np.int64),
                      np.array(columns["edit_rate"]), np.array(columns["design"]))
    path = params.folder / "corpus.jsonl"
    return GeneratedCorpus(params, path, planted, truth["paragraphs"], truth["bytes"])


@dataclass(slots=True)
class _Tables:
    """Vocabulary and sampling tables: token ids below ``vocabulary`` are words, the rest numbers."""

    words: np.ndarray  # object array of token strings
    capitalised: np.ndarray
    cdf: np.ndarray
    vocabulary: int
    numbers: int = 999


def _tables(params: GeneratorParams, rng: np.random.Generator) -> _Tables:
    """Pronounceable pseudo-words, shorter ones more frequent (Zipf over rank, as in real text)."""
    onsets = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
              "br", "cl", "dr", "fr", "gr", "pl", "st", "tr", "ch", "sh", "th"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
    codas = ["", "", "", "n", "r", "s", "l", "m", "nd", "st"]
    syllables = [o + v + c for o in onsets for v in vowels for c in codas]
    found: dict[str, None] = {}
    while len(found) < params.vocabulary:
        counts = rng.choice([1, 2, 3], params.vocabulary, p=[0.3, 0.45, 0.25]).tolist()
        picks = rng.integers(0, len(syllables), (params.vocabulary, 3)).tolist()
        for count, pick in zip(counts, picks):
            found.setdefault("".join(syllables[i] for i in pick[:count]), None)
            if len(found) == params.vocabulary:
                break
    vocabulary = sorted(found, key=len)  # stable: equal lengths keep their random order
    numbers = [str(n) for n in range(1, 1000)]
    ranks = np.arange(1, params.vocabulary + 1, dtype=np.float64)
    weights = 1.0 / (ranks + 2.7) ** params.zipf_exponent
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    capitalised = [w.capitalize() for w in vocabulary] + numbers
    return _Tables(np.array(vocabulary + numbers, dtype=object), np.array(capitalised, dtype=object), cdf,
                   params.vocabulary)


def _draw_words(rng: np.random.Generator, tables: _Tables, n: int) -> np.ndarray:
    return np.searchsorted(tables.cdf, rng.random(n)).astype(np.int32)


def _generate(params: GeneratorParams) -> None:
    rng = np.random.default_rng(params.seed)
    tables = _tables(params, rng)
    folder = params.folder
    staging = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    columns: dict[str, list[object]] = {name: [] for name in TRUTH_COLUMNS}
    total_bytes = documents = rows = 0
    document_bytes = 6500.0  # first guess of the mean document size, refined after each batch
    with open(staging / "corpus.jsonl", "w") as out:
        while total_bytes < params.target_bytes:
            wanted = min(BATCH_BYTES, params.target_bytes - total_bytes)
            n_documents = max(1, int(np.ceil(wanted / document_bytes)))
            texts, batch_columns, n_rows = _batch(rng, tables, params, n_documents, rows)
            for text in texts:
                out.write(json.dumps({"id": f"g{documents:07d}", "text": text}) + "\n")
                documents += 1
            for name, values in batch_columns.items():
                columns[name].extend(values)
            batch_bytes = sum(len(t) for t in texts)
            document_bytes = batch_bytes / len(texts)
            total_bytes += batch_bytes
            rows += n_rows
    truth = {"params": asdict(params), "documents": documents, "paragraphs": rows, "bytes": total_bytes,
             "planted": columns}
    (staging / "truth.json").write_text(json.dumps(truth) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def _batch(rng: np.random.Generator, tables: _Tables, params: GeneratorParams, n_documents: int,
           first_row: int) -> tuple[list[str], dict[str, list[object]], int]:
    """Documents of one batch (texts), their planted copies (truth columns) and their paragraph count.

    Documents come in stories of 1-8 consecutive documents (rewrites of one event). Copies take the
    place of paragraphs; each copies an original that comes earlier in its story, so documents that
    share copies form story-sized groups, as news rewrites do, not one corpus-wide component.
    """
    slots_per_document = rng.integers(5, 16, n_documents)
    n_slots = int(slots_per_document.sum())
    story_sizes = rng.integers(1, 9, n_documents)
    story_of_document = np.repeat(np.arange(n_documents), story_sizes)[:n_documents]
    story_of_slot = np.repeat(story_of_document, slots_per_document)
    story_start = np.flatnonzero(np.r_[True, story_of_slot[1:] != story_of_slot[:-1]])
    is_copy = rng.random(n_slots) < params.copy_rate
    is_copy[story_start] = False  # so every copy has an earlier original in its story
    original_slots = np.flatnonzero(~is_copy)
    copy_slots = np.flatnonzero(is_copy)
    tokens, sentence_lengths, sentence_offsets = _originals(rng, tables, params, len(original_slots))
    token_offsets = np.zeros(len(sentence_lengths) + 1, dtype=np.int64)
    np.cumsum(sentence_lengths, out=token_offsets[1:])

    # Each copy draws one of the originals between its story's start and itself.
    first_candidate = np.searchsorted(original_slots, story_start[story_of_slot[copy_slots]])
    candidates = np.searchsorted(original_slots, copy_slots) - first_candidate
    sources = first_candidate + (rng.random(len(copy_slots)) * candidates).astype(np.int64)
    kinds = rng.choice(len(KINDS), len(copy_slots), p=KIND_SHARES)
    similarities = rng.uniform(params.lowest_similarity, 1.0, len(copy_slots))
    copy_tokens, copy_lengths, copy_counts = [], [], []
    columns: dict[str, list[object]] = {name: [] for name in TRUTH_COLUMNS}
    for slot, source, kind, similarity in zip(copy_slots.tolist(), sources.tolist(), kinds.tolist(),
                                              similarities.tolist()):
        first, last = sentence_offsets[source], sentence_offsets[source + 1]
        lengths = sentence_lengths[first:last]
        words = tokens[token_offsets[first]:token_offsets[last]]
        new_words, new_lengths, edits, touched, design = _edit(rng, tables, words, lengths, KINDS[kind],
                                                               similarity, params.shingle)
        copy_tokens.append(new_words)
        copy_lengths.append(new_lengths)
        copy_counts.append(len(new_lengths))
        columns["source"].append(first_row + int(original_slots[source]))
        columns["copy"].append(first_row + slot)
        columns["kind"].append(KINDS[kind])
        columns["edits"].append(edits)
        columns["edit_rate"].append(round(touched / len(words), 4))
        columns["design"].append(round(design, 4))

    paragraphs = np.empty(n_slots, dtype=object)
    paragraphs[original_slots] = _render(tables, tokens, sentence_lengths, sentence_offsets)
    if len(copy_slots):
        copy_offsets = np.zeros(len(copy_counts) + 1, dtype=np.int64)
        np.cumsum(copy_counts, out=copy_offsets[1:])
        paragraphs[copy_slots] = _render(tables, np.concatenate(copy_tokens), np.concatenate(copy_lengths),
                                         copy_offsets)
    bounds = np.zeros(n_documents + 1, dtype=np.int64)
    np.cumsum(slots_per_document, out=bounds[1:])
    texts = ["\n\n".join(paragraphs[a:b]) + "\n" for a, b in pairwise(bounds.tolist())]
    return texts, columns, n_slots


def _originals(rng: np.random.Generator, tables: _Tables, params: GeneratorParams,
               n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` random paragraphs as (tokens, sentence lengths, sentence offsets per paragraph).

    Every paragraph holds at least one figure, so a "changed figures" copy always has one to change.
    """
    sentences = rng.integers(3, 7, n)
    sentence_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sentences, out=sentence_offsets[1:])
    sentence_lengths = rng.integers(15, 31, int(sentence_offsets[-1]))
    token_counts = np.add.reduceat(sentence_lengths, sentence_offsets[:-1])
    tokens = _draw_words(rng, tables, int(token_counts.sum()))
    numbers = rng.random(len(tokens)) < params.number_rate
    paragraph_starts = np.r_[0, np.cumsum(token_counts)[:-1]]
    numbers[paragraph_starts + (rng.random(n) * token_counts).astype(np.int64)] = True
    tokens[numbers] = tables.vocabulary + rng.integers(0, tables.numbers, int(numbers.sum()))
    return tokens, sentence_lengths, sentence_offsets


def _spaced(rng: np.random.Generator, low: int, high: int, count: int, gap: int) -> np.ndarray:
    """``count`` sorted positions in ``[low, high)`` at least ``gap`` apart (fewer if they do not fit)."""
    count = max(0, min(count, (high - low - 1) // gap + 1))
    span = high - low - (count - 1) * (gap - 1)
    chosen = np.sort(rng.choice(span, count, replace=False))
    return low + chosen + np.arange(count) * (gap - 1)


def _edit(rng: np.random.Generator, tables: _Tables, words: np.ndarray, lengths: np.ndarray, kind: str,
          similarity: float, k: int) -> tuple[np.ndarray, np.ndarray, int, int, float]:
    """A copy of one paragraph edited towards ``similarity``: (words, sentence lengths, edits, words
    touched, design Jaccard).

    With ``N`` shingles and ``m`` edits at least ``k`` words apart and ``k - 1`` words from either end,
    no shingle sees two edits, so (assuming the paragraph repeats no shingle):
    a substitution removes ``k`` shingles and adds ``k``: J = (N - km) / (N + km);
    an insertion removes ``k-1`` and adds ``k``:        J = (N - (k-1)m) / (N + km);
    a deletion removes ``k`` and adds ``k-1``:          J = (N - km) / (N + (k-1)m);
    swapping two sentences breaks ``c`` sentence joins: J = (N - (k-1)c) / (N + (k-1)c);
    figures are masked by dedup's shingles, so changed figures keep J = 1, as does an exact copy.
    ``m`` is solved from the wanted similarity and rounded, so the design value is exact, not the target.
    """
    n = len(words)
    shingles = n - k + 1
    s = similarity
    if kind == "substitution":
        wanted = shingles * (1 - s) / (k * (1 + s))
        positions = _spaced(rng, k - 1, n - k + 1, max(1, round(wanted)), k)
        new = words.copy()
        replacement = _draw_words(rng, tables, len(positions))
        same = replacement == new[positions]
        replacement[same] = (replacement[same] + 1) % tables.vocabulary
        new[positions] = replacement
        m = len(positions)
        return new, lengths.copy(), m, m, (shingles - k * m) / (shingles + k * m)
    if kind == "insertion":
        wanted = shingles * (1 - s) / ((k - 1) + s * k)
        positions = _spaced(rng, k - 1, n - k + 2, max(1, round(wanted)), k)
        new = np.insert(words, positions, _draw_words(rng, tables, len(positions)))
        m = len(positions)
        return new, _resized(lengths, positions - 1, +1), m, m, (shingles - (k - 1) * m) / (shingles + k * m)
    if kind == "deletion":
        wanted = shingles * (1 - s) / (k + s * (k - 1))
        positions = _spaced(rng, k - 1, n - k + 1, max(1, round(wanted)), k)
        m = len(positions)
        return (np.delete(words, positions), _resized(lengths, positions, -1), m, m,
                (shingles - k * m) / (shingles + (k - 1) * m))
    if kind == "reorder":
        first = int(rng.integers(0, len(lengths) - 1))
        order = np.arange(len(lengths))
        order[[first, first + 1]] = order[[first + 1, first]]
        offsets = np.r_[0, np.cumsum(lengths)]
        new = np.concatenate([words[offsets[i]:offsets[i + 1]] for i in order])
        broken = int(np.sum(np.diff(order) != 1))
        touched = int(lengths[first] + lengths[first + 1])
        return new, lengths[order], 1, touched, (shingles - (k - 1) * broken) / (shingles + (k - 1) * broken)
    if kind == "figures":
        new = words.copy()
        figures = np.flatnonzero(new >= tables.vocabulary)
        shift = rng.integers(1, tables.numbers, len(figures))
        new[figures] = tables.vocabulary + (new[figures] - tables.vocabulary + shift) % tables.numbers
        return new, lengths.copy(), len(figures), len(figures), 1.0
    return words.copy(), lengths.copy(), 0, 0, 1.0


def _resized(lengths: np.ndarray, positions: np.ndarray, change: int) -> np.ndarray:
    """Sentence lengths after adding ``change`` to the sentence holding each word position."""
    sentence = np.searchsorted(np.cumsum(lengths), positions, side="right")
    new = lengths.copy()
    np.add.at(new, sentence, change)
    return new


def _render(tables: _Tables, tokens: np.ndarray, sentence_lengths: np.ndarray,
            sentence_offsets: np.ndarray) -> list[str]:
    """Paragraph texts: sentences capitalised and ended by a full stop, one line per paragraph."""
    starts = np.zeros(len(sentence_lengths) + 1, dtype=np.int64)
    np.cumsum(sentence_lengths, out=starts[1:])
    first = np.zeros(len(tokens), dtype=bool)
    first[starts[:-1]] = True
    words = np.where(first, tables.capitalised[tokens], tables.words[tokens]).tolist()
    sentences = [" ".join(words[a:b]) + "." for a, b in pairwise(starts.tolist())]
    return [" ".join(sentences[a:b]) for a, b in pairwise(sentence_offsets.tolist())]


def _write_atomically(path: Path, lines: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".tmp")
    with open(staging, "w") as out:
        out.writelines(lines)
    staging.replace(path)


def main() -> None:
    mode = parse_mode("Build (or find in the cache) the corpora of a benchmark mode and describe them.")
    print(debian(mode.debian_bytes).description)
    for size in sorted({mode.generated_bytes, mode.quality_bytes}):
        corpus = generated(size)
        print(f"{corpus.description}: {corpus.path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
