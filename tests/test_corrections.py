"""Corrections: a story whose headline says it corrects another is a version of its original, found by subject."""

from datetime import datetime

import numpy as np
import pytest

from dedup.config import ScanConfig
from dedup.corrections import correction_originals, is_correction
from dedup.dates import time_order
from dedup.evidence import word_frequencies
from dedup.pipeline import analyze
from dedup.report.render_json import report_dict
from dedup.sources import Document
from dedup.subjects import subject_keys
from tests.test_report_relations import text as text_report

ACME = ("ACME TOOLWORKS INC <ACMT> 3RD QTR NET\n"
        "DAYTON, Ohio, March 11 - Shr nine cts vs 31 cts\n"
        "    Net 412,506 vs 1,388,217\n"
        "    Revs 5,960,114 vs 7,204,388\n"
        "    Nine mths\n"
        "    Shr 44 cts vs 71 cts\n"
        "    Net 1,970,031 vs 3,176,540\n"
        " Reuter\n")
# The same table re-sent the next day with the quarter's figures of the two years swapped back.
ACME_CORRECTED = ("CORRECTED - ACME TOOLWORKS INC <ACMT> 3RD QTR\n"
                  "DAYTON, Ohio, March 12 - Shr 31 cts vs nine cts\n"
                  "    Net 1,388,217 vs 412,506\n"
                  "    Revs 7,204,388 vs 5,960,114\n"
                  "    Nine mths\n"
                  "    Shr 44 cts vs 71 cts\n"
                  "    Net 1,970,031 vs 3,176,540\n"
                  "    NOTE: Corrects reversed quarter figures in March 11 item.\n"
                  " Reuter\n")
BOLT = ("BOLT FASTENER CORP <BLTF> 3RD QTR NET\n"
        "TOLEDO, Ohio, March 11 - Shr 12 cts vs 15 cts\n"
        "    Net 602,250 vs 744,118\n"
        "    Revs 8,115,300 vs 8,020,475\n"
        "    Nine mths\n"
        "    Shr 40 cts vs 38 cts\n"
        "    Net 2,004,870 vs 1,902,333\n"
        " Reuter\n")
ACME_OLD = ("ACME TOOLWORKS <ACMT> NAMES NEW TREASURER\n"
            "DAYTON, Ohio, Feb 2 - Acme Toolworks Inc said it named Helen Marsh treasurer, succeeding Paul Ivers, "
            "who retires. Acme reported nine-month net of 1,970,031 dlrs last year.\n Reuter\n")
ZETA = ("ZETA MINERALS CORP <ZTAM> 4TH QTR NET\n"
        "RENO, Nev., March 6 - Shr two cts vs one ct\n"
        "    Net 528,790 vs 286,969\n"
        "    Revs 2,540,100 vs 770,345\n"
        " Reuter\n")
ZETA_NOTICE = ("ZETA MINERALS <ZTAM> CORRECTS NET\n"
               "RENO, Nev., March 6 - Zeta Minerals Corp said it has corrected its fourth quarter net income to "
               "485,380 dlrs from 528,790 dlrs reported earlier today.\n"
               "    The company earned 286,969 dlrs in the fourth quarter of last year.\n Reuter\n")
OMEGA_PAYOUT = ("(CORRECTED) - OMEGA FOODS <OMGF> PAYOUT\n"
                "NEW YORK, March 13 - Qtly div 22 cts vs 22 cts prior\n    Pay April 20\n    Record March 31\n"
                "    (Corrects pay date in item that ran yesterday.)\n Reuter\n")
KAPPA_PAYOUT = ("KAPPA MILLS <KPM> PAYOUT\n"
                "NEW YORK, March 12 - Qtly div 22 cts vs 20 cts prior\n    Pay April 20\n    Record March 31\n Reuter\n")
MARKET = ("LONDON SHARES SEEN DUE FOR A DOWNWARD CORRECTION\n"
          "LONDON, March 12 - Dealers said London shares, led by Acme Toolworks, looked due for a correction.\n")
STORIES = {"acme-old": (ACME_OLD, "2-FEB-1987 11:00:00.00"), "acme": (ACME, "11-MAR-1987 10:00:00.00"),
           "bolt": (BOLT, "11-MAR-1987 10:05:00.00"), "zeta": (ZETA, "6-MAR-1987 09:15:00.00"),
           "zeta-notice": (ZETA_NOTICE, "6-MAR-1987 14:44:00.00"), "kappa": (KAPPA_PAYOUT, "12-MAR-1987 15:00:00.00"),
           "omega": (OMEGA_PAYOUT, "13-MAR-1987 14:52:00.00"), "market": (MARKET, "12-MAR-1987 16:00:00.00"),
           "acme-corrected": (ACME_CORRECTED, "12-MAR-1987 09:07:00.00")}


def test_a_correction_says_so_in_its_headline():
    assert [is_correction(text) for text in (ACME_CORRECTED, ZETA_NOTICE, OMEGA_PAYOUT)] == [True] * 3
    assert is_correction("CORRECTION - ZETA MINERALS TO SELL MILL\nRENO, Nev., March 9 - ...")
    assert not any(is_correction(text) for text in (ACME, MARKET, "Zeta Minerals sells mill\nIt corrected a figure."))


def test_subject_keys_are_tickers_and_headline_word_pairs():
    keys = subject_keys(ACME_CORRECTED)
    assert keys.tickers == {"<acmt>"}
    assert keys.pairs == {"acme toolworks", "toolworks inc", "inc 3rd", "3rd qtr"}  # not the correction's word
    assert subject_keys("<ZETA MINERALS CORP> YEAR NET\nShr 10 cts").tickers == {"<zeta minerals corp>"}


def originals(names: list[str], stories: dict[str, tuple[str, str]] = STORIES) -> set[tuple[str, str]]:
    texts = [stories[name][0] for name in names]
    dates = [datetime.strptime(stories[name][1][:-3], "%d-%b-%Y %H:%M:%S") for name in names]
    found = correction_originals(texts, time_order(dates), dates, word_frequencies(texts))
    return {(names[original], names[correction]) for original, correction in found}


def test_each_correction_finds_the_story_it_corrects_and_no_other():
    """The re-sent table and the company's notice find their originals among a table of the same template
    (another company's), the company's story of more than a month before, another company's payout and a
    market correction; the payout correction whose original is not among them finds none."""
    assert originals(list(STORIES)) == {("acme", "acme-corrected"), ("zeta", "zeta-notice")}
    # Its original missing, the re-sent table does not settle for another story of the company: the one of
    # February is more than a month older, and another company's table shares no subject with it.
    assert originals(["acme-old", "bolt", "acme-corrected"]) == set()
    # Nor for another company's table without a ticker, however alike their headlines.
    untagged = BOLT.replace("BOLT FASTENER CORP <BLTF> 3RD QTR NET", "ACME BOLT FASTENER INC 3RD QTR NET")
    stories = {**STORIES, "untagged": (untagged, STORIES["bolt"][1])}
    assert originals(["untagged", "acme-corrected"], stories) == set()


@pytest.mark.parametrize("diffs", [True, False])
def test_the_scan_relates_a_correction_to_its_original_as_a_version_with_the_change_aligned(diffs):
    documents = [Document(name, name, text, metadata={"date": date}) for name, (text, date) in STORIES.items()]
    report = analyze(documents, ScanConfig(diffs=diffs))
    names = [d.id for d in documents]
    corrections = {(names[r.source], names[r.copy]): r for r in report.relations if r.correction}
    assert set(corrections) == {("acme", "acme-corrected"), ("zeta", "zeta-notice")}
    assert {r.kind for r in corrections.values()} == {"version"}
    notice = corrections["zeta", "zeta-notice"]  # no match relates the notice: its shares are its alignment's
    assert notice.matches == 0 and min(notice.source_in_copy, notice.copy_in_source) > 0
    relation = next(r for r in report_dict(report)["relations"] if r["copy"] == "acme-corrected")
    assert relation["correction"] is True and relation["kind"] == "version"
    if not diffs:
        assert relation["alignment"] == []
        return
    changed = {(f["a"], f["b"]) for item in relation["alignment"] if "diff" in item for f in item["diff"]["figures"]}
    assert {("Shr nine cts", "Shr 31 cts"), ("Net 412,506", "Net 1,388,217")} <= changed
    assert ("Shr 44 cts", "Shr 71 cts") not in changed  # the nine months' lines did not change
    assert "correction acme-corrected <- acme" in text_report(report)


def test_a_scan_without_corrections_is_unchanged():
    documents = [Document(name, name, STORIES[name][0], metadata={"date": STORIES[name][1]})
                 for name in ("acme", "bolt", "kappa")]
    report = analyze(documents)
    assert not any(r.correction for r in report.relations)
    assert np.all([r.kind != "version" for r in report.relations])
