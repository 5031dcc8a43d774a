"""The pure parts of benchmarks/bench_ceiling.py: two readers' agreement, and the cross-validated ceiling
on items whose labels a feature does or does not tell apart."""

from benchmarks.bench_ceiling import Items, agreement_rows, ceiling_rows, first_readings, trigrams


def partial(doc_a, doc_b, verdict, reader=None, confidence=None):
    record = {"sample": "partial-cross", "seed": 7, "commit": "abc1234", "kind": "partial", "scope": "cross",
              "a": {"doc": doc_a, "start": 0, "end": 40}, "b": {"doc": doc_b, "start": 5, "end": 50},
              "label": verdict, "class": None if verdict == "true" else "unrelated", "reason": "synthetic"}
    if reader:
        record |= {"reader": reader, "confidence": confidence}
    return record


def test_agreement_counts_items_both_readers_label_alike():
    first = [partial("1", "2", "true"), partial("3", "4", "false"), partial("5", "6", "true")]
    second = [partial("1", "2", "true", "second", "sure"), partial("3", "4", "true", "second", "unsure"),
              partial("5", "6", "true", "second", "sure")]
    labels = {"dev.jsonl": first, "dev-second.jsonl": second, "stream.jsonl": [{"sample": "stream-updates"}]}
    assert list(first_readings(labels)) == ["dev.jsonl", "stream.jsonl"]
    assert agreement_rows(labels) == [["dev-second.jsonl", "partial-cross", 3, 2, 2, 3, 1]]


def items(separable: bool) -> Items:
    labels = [k % 2 == 0 for k in range(40)]
    signal = [float(label) if separable else float(k % 3) for k, label in enumerate(labels)]
    return Items([{"signal": value, "noise": float(k % 5)} for k, value in enumerate(signal)], labels,
                 ["" if label else "unrelated" for label in labels], [True] * 39 + [False],
                 [str(k) for k in range(40)])


def test_ceiling_keeps_every_true_item_when_a_feature_tells_them_apart():
    rows = ceiling_rows(items(separable=True))
    assert rows[0] == ["none (the report)", "–", 39, round(20 / 39, 3), "20 of 20", "unrelated 19"]
    logistic = [row[2:] for row in rows if row[0] == "logistic regression"]
    assert logistic == [[20, 1.0, "20 of 20", ""]] * 5


def test_ceiling_cannot_separate_labels_no_feature_carries():
    rows = ceiling_rows(items(separable=False))
    assert all(row[3] is None or row[3] < 0.8 for row in rows[1:] if row[4] != "0 of 20")


def test_trigrams_mask_numbers_and_ignore_short_texts():
    assert len(trigrams("two words")) == 0
    assert len(trigrams("Net rose 10 pct")) == 2
    assert set(trigrams("Net rose 10 pct")) == set(trigrams("Net rose 12 pct"))
