"""The service under a small load (benchmarks/bench_service_load.py): two hundred mixed requests from
two client processes against the real server, with no 5xx, no connection error, a 4xx for every
malformed request, and every stored document found afterwards."""

from collections import Counter

from benchmarks.bench_service_load import MALFORMED, build_index, plan, run_load
from tests.conftest import SAMPLE, SEED_IDS
from tests.test_index import synthetic


def test_two_hundred_mixed_requests(tmp_path):
    stored = [(SAMPLE / name).read_text(encoding="utf-8") for name in SEED_IDS]
    stored += [synthetic(k, paragraphs=8) for k in range(40)]
    path = tmp_path / "load.dedup"
    build_index(path, [(f"d{k}", text) for k, text in enumerate(stored)])
    edited = [text.replace(" the ", " a ", 3) for text in stored[:5]]
    fresh = [synthetic(1000 + k, paragraphs=8) for k in range(60)]  # one of its own per add, and some for checks

    load = run_load(path, plan(200, stored, edited, fresh), clients=2, seconds=60)

    assert len(load.outcomes) == 200
    assert not load.errors, load.errors[:5]
    kinds = Counter(o.kind for o in load.outcomes)
    assert kinds["check"] > 130 and kinds["add"] > 15 and kinds["malformed"] >= len(MALFORMED)
    assert {o.case for o in load.outcomes if o.kind == "malformed"} == set(MALFORMED)
    for outcome in load.outcomes:
        if outcome.kind == "malformed":
            assert outcome.status == MALFORMED[outcome.case][2], outcome
        else:
            assert outcome.status == (200 if outcome.kind == "check" else 201), outcome
    assert load.verified and not load.lost
    assert load.documents_after == len(stored) + kinds["add"]
