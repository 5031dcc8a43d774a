"""Result files for large corpora: matches, clusters and the documents to drop, as JSONL or Parquet.

A report of millions of matches is read by other programs (DuckDB, pandas, a filtering job), not by
people, so the files hold one flat row per match and per cluster member, the same values as the JSON
report (:func:`dedup.report.render_json.report_dict`), and a drop list that removes duplicate documents.

Document-level duplicate groups
    Two documents are *duplicates* when each has at least ``min_coverage`` (90 %) of its compared
    paragraph text covered by matches with the other: both shares of their relation
    (``Report.relations``) reach it (exact, near and partial matches count). A group
    is a connected component of that relation. The rule is mutual so that the copy kept holds nearly
    all of every document dropped for it: an excerpt entirely contained in a longer article is not a
    duplicate of it, since dropping the article would lose its other paragraphs. Chains (A~B, B~C) join
    one group even when A and C overlap less.

Which member a group keeps (``keep``)
    ``"first"``: the earliest in input order; ``"longest"``: the most characters; ``"metadata:<field>"``:
    the smallest value of ``field`` in the documents' metadata (JSONL/Parquet columns), e.g. the earliest
    ``"metadata:published"`` date; documents without the field come last. Ties go to the earliest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from dedup.cluster import cluster
from dedup.files import written_whole
from dedup.model import Report
from dedup.report.render_json import report_dict
from dedup.sources import Document

FORMATS = ("jsonl", "parquet")
DUPLICATE_COVERAGE = 0.9

# Columns and their Arrow types; JSONL rows carry the same keys (``diff`` as an object there, as a JSON
# string in Parquet, whose nested diff lists would otherwise need a schema of their own).
_SPAN = {"doc": "string", "line": "int64", "end_line": "int64", "start": "int64", "end": "int64"}
MATCH_COLUMNS = {
    "kind": "string", "scope": "string", "similarity": "float64", "containment": "float64",
    "a_in_b": "float64", "b_in_a": "float64", "cluster": "int64",
    **{f"{side}_{name}": kind for side in "ab" for name, kind in {**_SPAN, "text": "string"}.items()},
    "diff": "string",
}
CLUSTER_COLUMNS = {"cluster": "int64", "level": "string", "kind": "string", "size": "int64",
                   "documents": "int64", "representative": "bool", **_SPAN}
DROP_COLUMNS = {"id": "string", "kept": "string", "group": "int64"}


@dataclass(frozen=True, slots=True)
class Drop:
    """Document ``id`` duplicates ``kept``, the member its duplicate ``group`` keeps."""

    id: str
    kept: str
    group: int


def write_outputs(report: Report, folder: str | os.PathLike[str], format: str = "jsonl",
                  keep: str = "first", *, min_coverage: float = DUPLICATE_COVERAGE) -> dict[str, Path]:
    """Write ``matches.<format>``, ``clusters.<format>``, ``drop.<format>`` and ``drop.txt`` in ``folder``.

    ``drop.txt`` lists the ids to remove, one per line (for line-based filters); ``drop.<format>`` adds
    the id each one duplicates. Returns the paths by name (``"matches"``, ``"clusters"``, ``"drop"``,
    ``"drop_list"``). Raises ValueError for an unknown format or keep rule (before writing anything).
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    drops = drop_list(report, keep, min_coverage=min_coverage)
    data = report_dict(report)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    write = _write_parquet if format == "parquet" else _write_jsonl
    match_rows = [_match_row(m) for m in data["matches"]]
    cluster_rows = [row for c in data["clusters"] for row in _cluster_rows(c)]
    drop_rows = [{"id": d.id, "kept": d.kept, "group": d.group} for d in drops]
    paths = {"matches": out / f"matches.{format}", "clusters": out / f"clusters.{format}",
             "drop": out / f"drop.{format}", "drop_list": out / "drop.txt"}
    # All four are renamed into place only once every one is whole (a failure leaves the previous run's).
    with written_whole(list(paths.values())) as (matches, clusters, drop, drop_ids):
        write(matches, match_rows, MATCH_COLUMNS)
        write(clusters, cluster_rows, CLUSTER_COLUMNS)
        write(drop, drop_rows, DROP_COLUMNS)
        drop_ids.write_text("".join(d.id + "\n" for d in drops), encoding="utf-8")
    return paths


def duplicate_groups(report: Report, min_coverage: float = DUPLICATE_COVERAGE) -> list[list[int]]:
    """Document-level duplicate groups (indices into ``report.documents``, in order; see the module doc)."""
    edges = [(r.source, r.copy) for r in report.relations
             if r.source_in_copy >= min_coverage and r.copy_in_source >= min_coverage]
    clustering = cluster(len(report.documents), np.array(edges, dtype=np.int64).reshape(-1, 2))
    return [members.tolist() for members in clustering.members()]


def drop_list(report: Report, keep: str = "first", *,
              min_coverage: float = DUPLICATE_COVERAGE) -> list[Drop]:
    """The documents to drop, in document order: every member of a duplicate group but the one ``keep``
    chooses (``"first"``, ``"longest"`` or ``"metadata:<field>"``)."""
    rank = keep_rule(keep)
    documents = report.documents
    dropped: list[tuple[int, Drop]] = []
    for group, members in enumerate(duplicate_groups(report, min_coverage)):
        try:
            kept = min(members, key=lambda i: rank(documents[i], i))
        except TypeError as exc:
            raise ValueError(f"keep={keep!r}: documents {[documents[i].id for i in members]} hold values of "
                             "different types; give the field one type (e.g. ISO dates)") from exc
        dropped += [(i, Drop(documents[i].id, documents[kept].id, group)) for i in members if i != kept]
    return [drop for _, drop in sorted(dropped, key=lambda item: item[0])]


def keep_rule(keep: str) -> Callable[[Document, int], tuple[Any, ...]]:
    """A sort key of (document, index): the member with the smallest key is kept."""
    if keep == "first":
        return lambda document, index: (index,)
    if keep == "longest":
        return lambda document, index: (-len(document.text), index)
    kind, _, field = keep.partition(":")
    if kind == "metadata" and field:
        def by_field(document: Document, index: int) -> tuple[Any, ...]:
            value = document.metadata.get(field)
            return (0, value, index) if value is not None else (1, 0, index)
        return by_field
    raise ValueError(f"keep must be \"first\", \"longest\" or \"metadata:<field>\" "
                     f"(e.g. metadata:published), got {keep!r}")


def keep_warning(documents: Sequence[Document], keep: str) -> str | None:
    """The warning for a ``metadata:<field>`` rule whose field no document has: every group then keeps
    its first member, as ``first`` would, which is rarely what was asked (a misspelt field, say)."""
    kind, _, field = keep.partition(":")
    if kind != "metadata" or any(field in d.metadata for d in documents):
        return None
    fields = sorted({name for d in documents for name in d.metadata})
    known = f"the fields are {', '.join(fields)}" if fields else "the documents have no metadata"
    return (f"keep={keep}: no document has the metadata field {field!r} ({known}); "
            "each duplicate group keeps its first document")


def _match_row(match: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in match.items() if k not in ("a", "b")}
    for side in "ab":
        row.update({f"{side}_{name}": value for name, value in match[side].items()})
    row.setdefault("diff", None)
    return row


def _cluster_rows(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    representative = data["representative"]
    for member in data["members"]:
        yield {"cluster": data["id"], "level": data["level"], "kind": data["kind"], "size": data["size"],
               "documents": data["documents"],
               "representative": all(member[k] == representative[k] for k in _SPAN), **member}


def _write_jsonl(path: Path, rows: list[dict[str, Any]], columns: dict[str, str]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps({name: row[name] for name in columns}, ensure_ascii=False) + "\n"
                          for row in rows)


def _write_parquet(path: Path, rows: list[dict[str, Any]], columns: dict[str, str]) -> None:
    pa, pq = _pyarrow()
    arrays = {name: pa.array([_parquet_value(row[name]) for row in rows], type=pa.type_for_alias(kind))
              for name, kind in columns.items()}
    pq.write_table(pa.table(arrays), path)


def _parquet_value(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value


def _pyarrow() -> tuple[ModuleType, ModuleType]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("Parquet output needs pyarrow: pip install 'dedup[parquet]'") from exc
    return pa, pq
