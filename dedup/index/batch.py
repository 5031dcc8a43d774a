"""Texts made ready for the index: segmented, shingled and signed by the scan's own stage functions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from dedup.candidates import band_keys
from dedup.config import ScanConfig
from dedup.evidence import document_words
from dedup.matches import compared_paragraphs
from dedup.minhash import sign_texts
from dedup.normalize import normalize
from dedup.overlap import compared_chars
from dedup.segment import SegmentTable, segment_documents
from dedup.shingle import ShingleSets


@dataclass(frozen=True, slots=True)
class Batch:
    """What an add writes and what a check looks up. ``chars[d]`` is the length of text d's compared
    paragraphs, the denominator of its reused share (as in the scan's document view); ``words[d]`` its
    distinct words (token hashes), which the index counts per document for the evidence rule."""

    texts: list[str]
    exact: list[int]
    chars: list[int]
    words: list[np.ndarray]
    paragraphs: SegmentTable
    paragraph_sets: ShingleSets
    signatures: np.ndarray
    keys: np.ndarray
    sentences: SegmentTable
    sentence_sets: ShingleSets


def prepare(texts: list[str], config: ScanConfig, bands: int, rows: int) -> Batch:
    paragraphs, sentences = segment_documents(texts)
    paragraph_sets, signatures = sign_texts(paragraphs.texts(texts), config.shingle_size, config.num_perm,
                                            config.seed)
    sentence_sets, _ = sign_texts(sentences.texts(texts), config.sentence_shingle_size, 0, config.seed)
    keys = band_keys(signatures, bands, rows).view(np.int64)
    chars = compared_chars(paragraphs, compared_paragraphs(paragraph_sets.words, config), len(texts))
    return Batch(texts, [text_hash(t) for t in texts], chars, document_words(texts), paragraphs, paragraph_sets,
                 signatures, keys, sentences, sentence_sets)


def text_hash(text: str) -> int:
    """Signed 64-bit hash of the normalised text (equal texts after normalisation are duplicates)."""
    digest = hashlib.blake2b(normalize(text).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)
