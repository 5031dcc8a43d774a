"""Subjects: a version is of one company when both stories name theirs by a ticker, in the scan and the index."""

import pytest

from dedup.index import Index
from dedup.pipeline import analyze
from dedup.sources import Document
from dedup.subjects import one_company, subject_keys

EXCEPTION = ("{name} <{ticker}> GETS NASDAQ EXCEPTION\n"
             "NEW YORK, March 12 - {name} said its common stock will continue to be listed on the NASDAQ system "
             "despite its failure to meet the capital and surplus requirement, under an exception granted by the "
             "National Association of Securities Dealers subject to its meeting certain conditions.\n"
             "    The company said it will seek to raise new capital before the end of the year.\n")
HARBOR = EXCEPTION.format(name="HARBOR LIGHT SYSTEMS", ticker="HLSC")
QUARRY = EXCEPTION.format(name="QUARRY STONE INDUSTRIES", ticker="QSIX")
# The same company's story re-sent with its ticker's letters swapped and a sentence added.
HARBOR_AGAIN = HARBOR.replace("<HLSC>", "<HSLC>") + "    It did not say how much it would raise.\n"


def test_tickers_tell_two_companies_apart_but_not_a_misspelt_one():
    keys = [subject_keys(text) for text in (HARBOR, QUARRY, HARBOR_AGAIN)]
    assert keys[0].codes() == {"<hlsc>"}
    assert not one_company(keys[0], keys[1])
    assert one_company(keys[0], keys[2])  # two letters swapped
    assert one_company(subject_keys("FED ADDS RESERVES\nThe Fed added reserves."), keys[0])  # no ticker: no test
    bracketed = subject_keys("<HARBOR LIGHT SYSTEMS INC> YEAR NET\nShr 10 cts")
    assert bracketed.codes() == frozenset() and "harbor light" in bracketed.pairs  # a name, not a ticker


def scan_relations(*texts: str) -> dict[tuple[str, str], str]:
    report = analyze([Document(f"d{k}", f"d{k}", text) for k, text in enumerate(texts)])
    return {(f"d{r.source}", f"d{r.copy}"): r.kind for r in report.relations}


def test_the_scan_calls_two_companies_template_reuse_and_one_companys_story_a_version():
    assert scan_relations(HARBOR, QUARRY) == {("d0", "d1"): "reuse"}
    assert scan_relations(HARBOR, HARBOR_AGAIN) == {("d0", "d1"): "version"}


@pytest.mark.parametrize(("stored", "verdict"), [(QUARRY, "partial-reuse"), (HARBOR_AGAIN, "near-duplicate")])
def test_a_check_gives_the_scans_kinds(tmp_path, stored, verdict):
    with Index.create(tmp_path / "index.db") as index:
        index.add("stored", stored)
        found = index.check(HARBOR)
    assert found.verdict == verdict
    assert found.version_of == ("stored" if verdict == "near-duplicate" else None)
