"""The JSON and text reports of the bundled sample, compared with golden files checked by hand.

Run ``pytest tests/test_golden.py --update-golden`` after an intended change, and review the diff.
"""

import json

import jsonschema
import pytest

from dedup.report import schema_json
from dedup.report.render_json import report_dict
from tests.conftest import FIXTURES

GOLDEN = FIXTURES.parent / "golden" / "sample_report.json"
GOLDEN_TEXT = FIXTURES.parent / "golden" / "sample_report.txt"
SCHEMA = json.loads(schema_json())


def stable(report) -> dict:
    data = report_dict(report)
    del data["stats"]  # timings
    data.pop("tool")
    for document in data["documents"]:
        document["path"] = document["path"].rsplit("/", 1)[-1]
    return json.loads(json.dumps(data))  # tuples become lists, as in the file


def test_sample_report_matches_golden(seed_report, update_golden):
    data = stable(seed_report)
    if update_golden:
        GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert data == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_sample_report_validates_against_the_shipped_schema(seed_report):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    data = json.loads(json.dumps(report_dict(seed_report)))
    jsonschema.validate(data, SCHEMA)
    assert list(data) == SCHEMA["required"] == list(SCHEMA["properties"])  # every key, in the order written


def _broken(data: dict, path: tuple, value) -> dict:
    """A copy of the report with ``value`` at ``path`` (a new key when the last step is new)."""
    copy = json.loads(json.dumps(data))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


@pytest.mark.parametrize(("path", "value"), [
    (("unknown",), 1),                                          # a key the schema does not describe
    (("config", "unknown"), 1),
    (("matches", 0, "a", "unknown"), 1),
    (("clusters", 0, "members", 0, "text"), "members carry no text"),
    (("matches", 0, "similarity"), 1.5),
    (("matches", 0, "kind"), "fuzzy"),
    (("matches", 7, "diff", "figures", 0, "change"), "grew"),
    (("documents", 0, "chars"), "3869"),
    (("figure_conflicts", 0, "values"), []),
    (("stats", "seconds", "segment"), "fast"),
    (("tool", "name"), "other"),
], ids=lambda item: ".".join(map(str, item)) if isinstance(item, tuple) else None)
def test_shipped_schema_refuses_what_the_report_never_holds(seed_report, path, value):
    data = json.loads(json.dumps(report_dict(seed_report)))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_broken(data, path, value), SCHEMA)


def test_offsets_point_at_the_quoted_text(seed_report):
    data = report_dict(seed_report)
    texts = {d.id: d.text for d in seed_report.documents}
    for match in data["matches"]:
        for side in ("a", "b"):
            span = match[side]
            assert texts[span["doc"]][span["start"]:span["end"]] == span["text"]
            assert texts[span["doc"]].count("\n", 0, span["start"]) + 1 == span["line"]


def test_streamed_json_equals_the_report_data(seed_report):
    import io

    from dedup.report.render_json import write_json

    buffer = io.StringIO()
    write_json(seed_report, buffer)
    assert json.loads(buffer.getvalue()) == json.loads(json.dumps(report_dict(seed_report)))


def test_sample_text_report_matches_golden(seed_report, update_golden):
    import io

    from rich.console import Console

    from dedup.cli import PLAIN_WIDTH
    from dedup.report.render_text import render_text

    buffer = io.StringIO()
    render_text(seed_report, Console(file=buffer, no_color=True, highlight=False, soft_wrap=True, width=PLAIN_WIDTH))
    if update_golden:
        GOLDEN_TEXT.write_text(buffer.getvalue(), encoding="utf-8")
    assert buffer.getvalue() == GOLDEN_TEXT.read_text(encoding="utf-8")
