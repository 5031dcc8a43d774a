"""The competitors, written the way a Python user would write them with datasketch.

Words are ``re.findall(r"\\w+")`` of the lower-cased text and shingles are word 5-grams joined by
spaces (a text shorter than five words is one shingle, as in dedup). Numbers are not masked here.

``python -m benchmarks.baselines CORPUS.jsonl`` runs the paragraph-level datasketch pipeline that
bench_scan times against ``dedup scan``: the same paragraphs (dedup's reader and segmentation), exact
repeats grouped by their normalised text (as dedup does, so giant buckets of identical paragraphs do
not make the baseline quadratic), one ``MinHash.update`` per shingle, ``MinHashLSH`` insert and query,
and exact Jaccard verification of every candidate on the shingle sets. It prints its counts as JSON.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence

from datasketch import MinHash, MinHashLSH

from dedup.segment import segment_documents
from dedup.sources import read_documents

WORD = re.compile(r"\w+")
SHINGLE = 5
NUM_PERM = 128
SEED = 1


def python_shingles(text: str, k: int = SHINGLE) -> list[str]:
    """Word ``k``-grams of ``text``, the classic pure-Python way."""
    words = WORD.findall(text.lower())
    if len(words) < k:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + k]) for i in range(len(words) - k + 1)]


def naive_minhash(shingles: Sequence[str], num_perm: int = NUM_PERM, seed: int = SEED) -> MinHash:
    """One ``MinHash`` per text and one ``update()`` per shingle (datasketch's documented usage)."""
    minhash = MinHash(num_perm=num_perm, seed=seed)
    for shingle in shingles:
        minhash.update(shingle.encode("utf-8"))
    return minhash


def paragraph_pipeline(paragraphs: Sequence[str], threshold: float, min_words: int = 4) -> dict[str, int]:
    """Exact and near-duplicate paragraph pairs with datasketch; returns the counts of each stage."""
    first_of: dict[str, int] = {}
    exact_pairs = 0
    unique: list[int] = []
    for i, text in enumerate(paragraphs):
        if len(WORD.findall(text)) < min_words:
            continue
        key = " ".join(text.lower().split())
        if key in first_of:
            exact_pairs += 1
        else:
            first_of[key] = i
            unique.append(i)
    sets = {i: set(python_shingles(paragraphs[i])) for i in unique}
    minhashes = {i: naive_minhash(sorted(sets[i])) for i in unique}
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i in unique:
            session.insert(i, minhashes[i])
    candidates = {(min(i, j), max(i, j)) for i in unique for j in lsh.query(minhashes[i]) if j != i}
    near = sum(len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= threshold for i, j in candidates)
    return {"paragraphs": len(paragraphs), "unique": len(unique), "exact_pairs": exact_pairs,
            "candidates": len(candidates), "near_pairs": int(near)}


def main() -> None:
    parser = argparse.ArgumentParser(description="Paragraph-level near-duplicates with datasketch.")
    parser.add_argument("path", help="a JSONL corpus of {id, text}")
    parser.add_argument("--threshold", type=float, default=0.7)
    args = parser.parse_args()
    texts = [d.text for d in read_documents([args.path])]
    table, _ = segment_documents(texts)
    print(json.dumps(paragraph_pipeline(table.texts(texts), args.threshold)))


if __name__ == "__main__":
    main()
