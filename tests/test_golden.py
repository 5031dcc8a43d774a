"""The JSON and text reports of the bundled sample, compared with golden files checked by hand.

Run ``pytest tests/test_golden.py --update-golden`` after an intended change, and review the diff.
"""

import json

import jsonschema

from dedup.report.render_json import report_dict
from tests.conftest import FIXTURES, ROOT

GOLDEN = FIXTURES.parent / "golden" / "sample_report.json"
GOLDEN_TEXT = FIXTURES.parent / "golden" / "sample_report.txt"
SCHEMA = ROOT.parent / "shared" / "report.schema.json"


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


def test_sample_report_validates_against_the_shared_schema(seed_report):
    if SCHEMA.exists():
        jsonschema.validate(report_dict(seed_report), json.loads(SCHEMA.read_text(encoding="utf-8")))
    else:  # a checkout without ../shared: the schema's own required keys still hold
        assert {"schema", "documents", "matches", "clusters", "figure_conflicts",
                "documents_overlap"} <= set(report_dict(seed_report))


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
