"""True sources: every copy is matched to the verified copy it most plausibly came from, earlier in time,
and every member of a reported cluster is a verified copy of the cluster's source."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.cluster import identical_edges, stars, true_sources
from dedup.pipeline import scan

# A~B and B~C are near copies (Jaccard 0.77 and 0.83 on 5-word shingles); A~C is not (0.69).
A = ("Harbour officials in Port Averly said on Tuesday that the new container terminal would open in June, "
     "handling up to 400,000 boxes a year once the second crane line is finished and the dredging of the "
     "eastern channel is complete, which the board expects before the autumn storms arrive.")
B = ("Harbour officials in Port Averly said on Tuesday that the new container terminal would open in July, "
     "handling up to 400,000 boxes a year once the second crane line is finished and the dredging of the "
     "eastern channel is complete, which the board expects before the autumn storms arrive this year.")
C = ("Harbour officials in Port Averly said on Tuesday that the new container terminal would open in July, "
     "handling up to 400,000 boxes a year once the second crane line is finished and the dredging of the "
     "eastern channel is complete, which the board expects before the winter storms this year.")
ORIGINAL = ("Kestrel Mills Inc said its fourth quarter profit rose to 61 cts a share from 44 cts, on sales of "
            "212.4 mln dlrs, as orders for its coated paperboard recovered in the northern mills.")
CORRECTION = ("Kestrel Mills Inc said its fourth quarter profit rose to 16 cts a share from 44 cts, on sales of "
              "212.4 mln dlrs, as orders for its coated paperboard recovered in the northern mills.")


NONE = np.empty((0, 2), np.int64)


def test_a_chain_is_not_one_cluster() -> None:
    # 0~1 and 1~2 verified, 0~2 not: 2 copies 1 (its only verified copy), not 0.
    source = true_sources(np.array([0, 1, 2]), NONE, np.array([[0, 1], [1, 2]]), np.array([0.8, 0.8]))
    assert source.tolist() == [0, 0, 1]
    linked = stars(source)
    assert [m.tolist() for m in linked.members()] == [[0, 1], [1, 2]]
    assert linked.heads.tolist() == [0, 1]
    assert linked.star.tolist() == [0, 0, 1]  # 1 heads star 1 and is a copy in star 0


def test_the_closest_earlier_copy_is_the_source_the_earliest_among_equals() -> None:
    # Node 3 was verified against 0 (0.75), 1 (0.9), 2 (0.9) and 4 (1.0, but later in time).
    pairs, similarity = np.array([[0, 3], [1, 3], [2, 3], [3, 4]]), np.array([0.75, 0.9, 0.9, 1.0])
    assert true_sources(np.arange(5), NONE, pairs, similarity).tolist() == [0, 1, 2, 1, 3]
    # In another order in time (dates), 2 is the earlier of the two closest.
    assert true_sources(np.array([0, 2, 1, 3, 4]), NONE, pairs, similarity).tolist() == [0, 1, 2, 2, 3]


def test_time_not_position_decides_the_source() -> None:
    # The same 0~1 pair: listed first but dated later, node 0 is the copy.
    assert true_sources(np.array([1, 0]), NONE, np.array([[0, 1]]), np.array([0.8])).tolist() == [1, 1]


def test_an_identical_earlier_copy_comes_before_an_earlier_rewrite() -> None:
    # 1 and 2 are identical (a story re-sent); 0 is an earlier rewrite verified against them (similarity 1.0
    # on masked numbers). The re-sent copy 2 is a copy of 1, its first sending; 1 is a copy of 0.
    identical = identical_edges(np.array([5, 7, 7], dtype=np.uint64), np.arange(3))
    assert true_sources(np.arange(3), identical, np.array([[0, 1]]), np.array([1.0])).tolist() == [0, 0, 1]


def test_identical_copies_are_a_star_on_the_earliest_and_share_their_group_links() -> None:
    # 0, 2 and 3 are identical (one group, headed by node 0 by index); node 3 is the earliest in time.
    # Node 1 was verified against the group's head only, and is later than node 3.
    identical = identical_edges(np.array([7, 5, 7, 7], dtype=np.uint64), np.arange(4))
    source = true_sources(np.array([1, 3, 2, 0]), identical, np.array([[0, 1]]), np.array([0.8]))
    assert source.tolist() == [3, 3, 3, 3]
    assert [m.tolist() for m in stars(source).members()] == [[3, 0, 1, 2]]


def test_no_edges() -> None:
    assert true_sources(np.arange(2), NONE, NONE, np.empty(0)).tolist() == [0, 1]
    assert stars(np.array([0, 1])).members() == []


def write_jsonl(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_chain_of_dated_stories(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "wire.jsonl", [
        {"id": "c", "date": "4-MAR-1987 09:00:00.00", "text": f"PORT AVERLY TERMINAL\n{C}\n"},
        {"id": "a", "date": "2-MAR-1987 09:00:00.00", "text": f"PORT AVERLY TERMINAL\n{A}\n"},
        {"id": "b", "date": "3-MAR-1987 09:00:00.00", "text": f"PORT AVERLY TERMINAL\n{B}\n"},
    ])
    report = scan(corpus)
    ids = [d.id for d in report.documents]
    pairs = sorted((m.kind, ids[m.a.doc], ids[m.b.doc]) for m in report.matches)
    assert pairs == [("near", "a", "b"), ("near", "b", "c")]
    assert not any({"a", "c"} <= {ids[p.doc] for p in cluster.members} for cluster in report.clusters)
    assert report.warnings == []


def test_a_correction_dated_after_its_original_is_the_copy(tmp_path: Path) -> None:
    records = [{"id": "corrected", "published": "Tue, 03 Mar 1987 14:05:00 +0000",
                "text": f"CORRECTED - KESTREL MILLS 4TH QTR\n{CORRECTION}\n"},
               {"id": "original", "published": "Mon, 02 Mar 1987 16:40:00 +0000",
                "text": f"KESTREL MILLS 4TH QTR NET\n{ORIGINAL}\n"}]
    corpus = write_jsonl(tmp_path / "wire.jsonl", records)
    dated = scan(corpus, date_field="published")
    [match] = dated.matches
    assert (dated.doc_id(match.a), dated.doc_id(match.b), match.kind) == ("original", "corrected", "near")
    assert [(f.a, f.b) for f in match.diff.figures] == [("61 cts a share", "16 cts a share")]
    # Without the field (the default "date" is absent) document order stands in: the file lists the correction first.
    undated = scan(corpus)
    assert [(undated.doc_id(m.a), undated.doc_id(m.b)) for m in undated.matches] == [("corrected", "original")]


def test_date_field_on_the_command_line(tmp_path: Path) -> None:
    records = [{"id": "corrected", "published": "3-MAR-1987 14:05:00.00", "text": CORRECTION},
               {"id": "original", "published": "2-MAR-1987 16:40:00.00", "text": ORIGINAL},
               {"id": "later", "published": "in the spring", "text": "An unrelated line about the weather."}]
    corpus = write_jsonl(tmp_path / "wire.jsonl", records)
    result = CliRunner().invoke(app, ["scan", str(corpus), "--date-field", "published", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(m["a"]["doc"], m["b"]["doc"]) for m in report["matches"]] == [("original", "corrected")]
    assert report["config"]["date_field"] == "published"
    assert report["warnings"] == [f"{corpus}:3: published 'in the spring' is not a date; the document is taken "
                                  "as undated"]


@pytest.mark.parametrize("value", ["", 3])
def test_a_bad_date_field_is_refused(value: object) -> None:
    from dedup.config import ScanConfig

    with pytest.raises(ValueError, match="date_field must be a field name"):
        ScanConfig(date_field=value)  # type: ignore[arg-type]
