"""Evidence of reuse on wire-style copy: templates and coincidences are not copies, versions are."""

import random
from datetime import UTC, datetime, timedelta

from dedup.config import ScanConfig
from dedup.evidence import (
    distinctive_limit,
    document_words,
    related,
    related_matches,
    span_evidence,
    word_frequencies,
)
from dedup.index import Index
from dedup.model import Cluster, Match, Passage
from dedup.pipeline import analyze
from dedup.sources import Document

NAMES = [f"{a}{b}{c}".capitalize() for a in ("brav", "clin", "dorm", "fenk", "gral", "hosp", "jult", "karm")
         for b in ("a", "e", "o") for c in ("tex", "mar", "lon")]


def results_story(name: str, rng: random.Random, revs: str | None = None) -> str:
    """A quarterly results story as the wire sends it: a title, a dateline and a table of figures."""
    revs = revs or f"{rng.randint(10, 999)}.{rng.randint(0, 9)} mln vs {rng.randint(10, 999)}.{rng.randint(0, 9)} mln"
    return (f"{name.upper()} INDUSTRIES 4TH QTR NET\n\nNEW YORK, March {rng.randint(2, 27)} - {name} Industries Inc "
            f"said quarterly results were in line with its forecast.\n\n"
            f"Shr {rng.randint(11, 99)} cts vs {rng.randint(11, 99)} cts\n\n"
            f"Net {rng.randint(100_000, 9_999_999):,} vs {rng.randint(100_000, 9_999_999):,}\n\n"
            f"Revs {revs}\n\nAvg shrs {rng.randint(1_000_000, 9_999_999):,} vs {rng.randint(1_000_000, 9_999_999):,}\n")


def wire(count: int = 60) -> list[Document]:
    """``count`` results stories of different companies: more than the distinctive limit share the
    template's words, as on a real wire."""
    rng = random.Random(5)
    return [Document(f"r{k}", f"r{k}", results_story(NAMES[k], rng)) for k in range(count)]


def cross(report) -> set[tuple[str, str, str]]:
    ids = [d.id for d in report.documents]
    return {(m.kind, ids[m.a.doc], ids[m.b.doc]) for m in report.matches if m.scope == "cross"}


def test_results_tables_of_different_companies_are_not_copies():
    """Every line but the company's name is template or figures: no cross match at all, though the
    wording of the Shr, Net, Revs and Avg shrs lines is alike with the numbers masked."""
    documents = wire()
    assert distinctive_limit(len(documents)) == 50
    report = analyze(documents, ScanConfig(diffs=False))
    assert cross(report) == set()
    assert report.stats["matches_without_evidence"] > 100


def test_a_results_line_identical_by_coincidence_is_not_reuse():
    rng = random.Random(9)
    documents = wire() + [Document("x", "x", results_story(NAMES[60], rng, "12.0 mln vs 10.6 mln")),
                          Document("y", "y", results_story(NAMES[61], rng, "12.0 mln vs 10.6 mln"))]
    assert cross(analyze(documents, ScanConfig(diffs=False))) == set()


def test_a_resent_results_story_matches_its_original_line_by_line():
    """A corrected re-send shares the company's name and precise figures: its lines are copies, and the
    corrected net result is a near match whose diff names the changed figure."""
    documents = wire()
    original = documents[7].text
    net = original.split("Net ")[1].split(" vs")[0]
    corrected = original.replace(f"Net {net}", "Net 1,645,160")
    report = analyze(documents + [Document("fix", "fix", corrected)], ScanConfig())
    found = cross(report)
    assert {pair[1:] for pair in found} == {("r7", "fix")}
    assert ("exact", "r7", "fix") in found
    (near,) = [m for m in report.matches if m.scope == "cross" and m.kind != "exact"]
    assert [(f.change, f.a, f.b) for f in near.diff.figures] == [("changed", f"Net {net}", "Net 1,645,160")]


def test_figures_that_disagree_need_words_that_carry_the_match():
    frequencies = word_frequencies(["a b c"] * 2)
    pairs = [("Net 1,545,160 vs 2,188,933", "Net 2,002,261 vs 1,168,638"),
             ("The assault on the town also resulted in the deaths of at least 31 civilians, with many more "
              "injured.", "The assault on the town also resulted in the deaths of at least 18 civilians, with many "
              "more injured.")]
    template, edited = span_evidence(pairs, frequencies)
    assert not template.figures_agree and not template.carries
    assert related([(0, 1)], [template]) == set()
    assert not edited.figures_agree and edited.carries  # the words around the changed figure carry it
    assert related([(0, 1)], [edited]) == {(0, 1), (1, 0)}


def test_matches_of_a_recurring_report_with_new_figures_do_not_relate_it_to_the_last_one():
    """A standing headline (no figures, rare words) and a body line whose figures all changed: pooled,
    the two reports quote different figures, so they are two reports of a series, not versions."""
    frequencies = word_frequencies(["a b c"] * 2)
    headline, body = span_evidence([
        ("HOG AND CATTLE SLAUGHTER GUESSTIMATES", "HOG AND CATTLE SLAUGHTER GUESSTIMATES"),
        ("Hogs 305,000 to 315,000 vs 299,000 a week ago", "Hogs 285,000 to 295,000 vs 311,000 a week ago")],
        frequencies)
    assert headline.figures_agree and len(headline.distinctive) == 5
    assert related([(0, 1)], [headline]) == {(0, 1), (1, 0)}
    assert related([(0, 1), (1, 0)], [headline, body]) == set()


def test_the_index_applies_the_same_evidence(tmp_path):
    """A check of another company's results story against stored results stories is new; a re-send of a
    stored one is its duplicate."""
    documents = wire()
    with Index.create(tmp_path / "wire.dedup") as index:
        index.add_many((d.id, d.text) for d in documents[:-1])
        other = index.check(documents[-1].text)
        resent = index.check(documents[3].text)
    assert (other.verdict, other.stats["documents_without_evidence"] > 10) == ("new", True)
    assert resent.verdict == "duplicate" and [m.id for m in resent.matches] == ["r3"]


def test_a_dateline_and_an_attribution_do_not_relate_two_stories_of_one_company():
    """Two stories of one company open with the same dateline and "Company X said": the shared words are
    names (who), not news (what). A re-send of one of them shares its news as well."""
    frequencies = word_frequencies(["it is a the said with due to its of had in"] * 60)
    rebuffed = "LONDON, March 9 - Halvering Chemical Industries Plc <HALV.L> said"
    leads = [(f"{rebuffed} it had placed its 12.5 pct stake in Dorrit Mills with institutions.",
              "LONDON, March 11 - Halvering Chemical Industries Plc <HALV.L> said it is issuing a 100 mln stg "
              "eurobond due 2005.")]
    (attribution,) = span_evidence(leads, frequencies)
    assert attribution.names == attribution.distinctive and len(attribution.names) >= 3
    assert related([(0, 1)], [attribution]) == set()
    resent = span_evidence([(leads[0][0], leads[0][0].replace("March 9", "March 10"))], frequencies)
    assert related([(0, 1)], resent) == {(0, 1), (1, 0)}


def test_a_name_in_a_headline_is_still_a_name():
    """The headline writes the official's name in capitals, the story as a name: two statements of his
    share only the attribution. A standing headline alone, with no story beside it, is its own evidence."""
    frequencies = word_frequencies(["it is a the said of to on will its in bank japan governor central"] * 60)
    hurt = ("YEN RISE WOULD HURT ECONOMY, KORIMATSU SAYS\nTOKYO, March 26 - Bank of Japan governor Tadeo "
            "Korimatsu said a further yen rise would hurt exporters.")
    policy = ("JAPAN WEIGHS MONEY POLICY -- KORIMATSU\nTOKYO, March 30 - Bank of Japan governor Tadeo Korimatsu "
              "said the central bank will weigh its policy.")
    (statements,) = span_evidence([(hurt, policy)], frequencies)
    assert statements.names == statements.distinctive == frozenset(
        int(word) for word in document_words(["Korimatsu Tadeo"])[0])
    assert related([(0, 1)], [statements]) == set()
    (headline,) = span_evidence([("HOG AND CATTLE SLAUGHTER GUESSTIMATES",) * 2], frequencies)
    assert not headline.names and related([(0, 1)], [headline]) == {(0, 1), (1, 0)}


def test_an_officials_name_with_the_same_figure_relates_two_stories():
    """Names with a quantity both quote are a restated fact ("the sale of WZT-TV for 387 mln dlrs")."""
    frequencies = word_frequencies(["a b c"] * 2)
    pairs = [("Ravello Corp agreed to sell WZT-TV to Trenmark Inc for 387 mln dlrs.",
              "Ravello had agreed to sell WZT-TV to Trenmark for 387 mln dlrs in January.")]
    assert related([(0, 1)], span_evidence(pairs, frequencies)) == {(0, 1), (1, 0)}


def test_a_standing_clause_is_a_long_copy_only_with_the_same_figures_and_a_distinctive_word():
    """A clause of a template as long as a copied passage is the next issue's terms when its figures changed
    in part, and a stock clause when all its words are the template's; copied with its figures and a word
    of its own story, it is a copy."""
    clause = ("The debentures are convertible into the company's common stock at {} dlrs per share, "
              "representing a premium of {} pct over the stock price when terms were set{}.")
    frequencies = word_frequencies([clause] * 60)  # a template: its words are in many documents
    changed, stock, copied = span_evidence([
        (clause.format("44", "26", ""), clause.format("44", "25", "")),
        (clause.format("44", "26", ""), clause.format("44", "26", "")),
        (clause.format("44", "26", " to fund the smelter"), clause.format("44", "26", " to fund the smelter"))],
        frequencies)
    assert changed.figures_agree and changed.shared_words >= 15 and not changed.distinctive
    assert related([(0, 1)], [changed]) == set()
    assert related([(0, 1)], [stock]) == set()
    assert related([(0, 1)], [copied]) == {(0, 1), (1, 0)}


def test_two_lines_sharing_only_their_template_are_not_matched_in_two_versions_of_a_story():
    """Two versions of an energy prices story are related by their lead; the line on residual fuel and
    the line on gas prices share the template's words and no figure: no match, though the lead's stands."""
    lead = "Wholesale prices of finished energy goods in Glenmoor rose 4.0 pct in February, the department said."
    lines = ("Residual fuel prices rose 16.7 pct in February after a 13.4 pct rise a month earlier.",
             "Liquefied petroleum gas prices rose 10.1 pct in February after a 5.0 pct rise a month earlier.")
    texts = [f"{lead}\n\n{lines[0]}\n", f"{lead}\n\n{lines[1]}\n"]
    template = "prices rose pct in February after a rise a month earlier gas fuel residual petroleum liquefied"
    frequencies = word_frequencies(texts + [template] * 60)

    def passage(doc: int, text: str) -> Passage:
        start = texts[doc].index(text)
        return Passage(doc, start, start + len(text), 1, 1)

    leads = Match("exact", passage(0, lead), passage(1, lead), 1.0, 1.0, 1.0, 1.0, 0)
    template_lines = Match("partial", passage(0, lines[0]), passage(1, lines[1]), 0.2, 0.3, 0.3, 0.3, 1)
    clusters = [Cluster(0, "sentence", "exact", leads.a, (leads.a, leads.b)),
                Cluster(1, "sentence", "partial", template_lines.a, (template_lines.a, template_lines.b))]
    kept, remaining = related_matches([leads, template_lines], clusters, texts, frequencies, ScanConfig())
    assert kept == [leads]
    assert [c.id for c in remaining] == [0]


def test_a_resent_table_line_is_matched_to_its_copy_not_to_the_quarters_line():
    """A re-sent results table: the nine-month share line is copied with its figures, so it is not also
    matched to the quarter's share line, which shares one of its two figures."""
    table = ("ORVELLO APPAREL GROUP 3RD QTR LOSS\n\nTORONTO, March 6 - Shr loss 28 cts vs profit seven cts\n\n"
             "Nine mths\n\nShr loss 55 cts vs profit seven cts\n")
    texts = [table, table.replace("ORVELLO APPAREL GROUP", "<ORVELLO APPAREL GROUP INC>")]

    def line(doc: int, text: str) -> Passage:
        start = texts[doc].index(text)
        return Passage(doc, start, start + len(text), 1, 1)

    quarter, nine_months = "Shr loss 28 cts vs profit seven cts", "Shr loss 55 cts vs profit seven cts"
    copies = [Match("exact", line(0, text), line(1, text), 1.0, 1.0, 1.0, 1.0, k)
              for k, text in enumerate((quarter, nine_months))]
    wrong_line = Match("near", line(0, nine_months), line(1, quarter), 0.7, 0.8, 0.8, 0.8, 1)
    clusters = [Cluster(0, "paragraph", "exact", copies[0].a, (copies[0].a, copies[0].b)),
                Cluster(1, "paragraph", "near", copies[1].a, (copies[1].a, copies[1].b, wrong_line.b))]
    kept, _ = related_matches([*copies, wrong_line], clusters, texts, word_frequencies(texts), ScanConfig())
    assert kept == copies


def test_a_resent_tables_line_taken_from_another_companys_cluster_finds_its_own_copy():
    """Both copies of a re-sent table first joined another company's cluster of the template (masked, every
    "Avg shrs" line is one): moved to a member of the re-sent table, the nine-month line goes to its own
    changed copy, not to the quarter's line, which is already copied there with its figures."""
    other = "KESTREL MILLS <KSTM> 3RD QTR NET\n\nAvg shrs 2,118,400 vs 1,907,331\n"
    table = ("HARNOW TIMBER <HRNW> 3RD QTR NET\n\nPORTLAND, March 4 - Harnow Timber said sales of its mills "
             "rose.\n\nAvg shrs 6,349,753 vs 4,403,852\n\nNine mths\n\nAvg shrs 5,054,844 vs 4,403,852\n")
    resent = table.replace("3RD", "THIRD").removesuffix("4,403,852\n") + "4,403,000\n"
    texts = [other, table, resent]

    def line(doc: int, text: str) -> Passage:
        start = texts[doc].index(text)
        return Passage(doc, start, start + len(text), 1, 1)

    quarter, nine_months = "Avg shrs 6,349,753 vs 4,403,852", "Avg shrs 5,054,844"
    lead = "PORTLAND, March 4 - Harnow Timber said sales of its mills rose."
    leads = Match("exact", line(1, lead), line(2, lead), 1.0, 1.0, 1.0, 1.0, 1)
    template = line(0, "Avg shrs 2,118,400 vs 1,907,331")
    nine = [Passage(doc, start, texts[doc].index("\n", start), 1, 1)
            for doc in (1, 2) for start in [texts[doc].index(nine_months)]]
    copied_quarter = Match("exact", line(1, quarter), line(2, quarter), 1.0, 1.0, 1.0, 1.0, 0)
    from_template = [Match("near", template, passage, 0.0, 1.0, 1.0, 1.0, 0) for passage in nine]
    clusters = [Cluster(0, "paragraph", "near", template, (template, copied_quarter.a, copied_quarter.b, *nine)),
                Cluster(1, "sentence", "exact", leads.a, (leads.a, leads.b))]
    kept, _ = related_matches([leads, copied_quarter, *from_template], clusters, texts, word_frequencies(texts),
                              ScanConfig())
    moved = [m for m in kept if m not in (leads, copied_quarter)]
    assert [(m.a, m.b) for m in moved] == [(nine[0], nine[1])]


def test_a_paragraph_the_copy_holds_twice_is_matched_to_its_source_twice():
    """Without figures a copy keeps them all: a paragraph the copy repeats is matched to its source both
    times, even when the second copy first joined another document's cluster."""
    repeated = "Members of the club may borrow the hall for weddings and wakes if they book it a month ahead."
    texts = ["Freight rates on the Baltic exchange eased on Tuesday as grain charters thinned.\n",
             f"DUNMORE CLUB NOTES\n\n{repeated}\n",
             f"DUNMORE CLUB NOTES\n\n{repeated}\n\nThe bar opens at noon.\n\n{repeated}\n"]
    first = texts[2].index(repeated)
    source = Passage(1, texts[1].index(repeated), texts[1].index(repeated) + len(repeated), 1, 1)
    copies = [Passage(2, start, start + len(repeated), 1, 1) for start in (first, texts[2].index(repeated, first + 1))]
    other = Passage(0, 0, len(texts[0]) - 1, 1, 1)
    kept_copy = Match("exact", source, copies[0], 1.0, 1.0, 1.0, 1.0, 0)
    from_other = Match("near", other, copies[1], 0.3, 0.5, 0.5, 0.5, 0)
    clusters = [Cluster(0, "paragraph", "near", other, (other, source, *copies))]
    common = ["the of for and if they it a to may on as at members said today"] * 60  # a wire's common words
    kept, _ = related_matches([kept_copy, from_other], clusters, texts, word_frequencies(texts + common),
                              ScanConfig())
    assert [(m.kind, m.a, m.b) for m in kept] == [("exact", source, copies[0]), ("exact", source, copies[1])]


def found_in(texts: list[str], doc: int, text: str) -> Passage:
    """The passage of ``texts[doc]`` that ``text`` is (its first occurrence)."""
    start = texts[doc].index(text)
    return Passage(doc, start, start + len(text), 1, 1)


def test_a_paragraph_copied_word_for_word_is_not_also_matched_to_another_sentence_of_the_copy():
    """A longer version of a story keeps a paragraph word for word and adds a sentence that restates part of
    it: the paragraph is matched to its copy, not also to the added sentence."""
    kept_paragraph = ("The ministers also gave Portugal a go-ahead to move towards a ban on the sale of leaded "
                      "regular petrol, after Lisbon asked leave to do so to encourage low-pollution cars.")
    added = "This would be the case if Portugal were to implement a ban on the sale of leaded regular petrol."
    texts = [f"EC AGREES DIESEL RULES\n\n{kept_paragraph}\n",
             f"EC AGREES TOUGH DIESEL RULES\n\n{kept_paragraph}\n\nMinisters also discussed lorries. {added}\n"]

    copy = Match("exact", found_in(texts, 0, kept_paragraph), found_in(texts, 1, kept_paragraph), 1.0, 1.0, 1.0, 1.0, 0)
    restated = Match("partial", found_in(texts, 0, kept_paragraph), found_in(texts, 1, added), 0.15, 0.3, 0.3, 0.5, 1)
    clusters = [Cluster(0, "paragraph", "exact", copy.a, (copy.a, copy.b)),
                Cluster(1, "sentence", "partial", restated.a, (restated.a, restated.b))]
    kept, _ = related_matches([copy, restated], clusters, texts, word_frequencies(texts), ScanConfig())
    assert kept == [copy]


def test_a_lead_that_quotes_no_figure_does_not_keep_another_lines_figures():
    """A second story of one release opens with a lead of its own, which shares the first story's dateline and
    subject but no figure, then restates the release's figures in part: the first story's lead is matched to
    that restatement too. A lead that quotes no figure copies none (a re-sent table's line copied with all
    its figures is what bars another line of the copy)."""
    lead = ("WELLINGTON, March 10 - New Zealand's total foreign debt fell to 32.94 billion dlrs in the December "
            "quarter against 33.42 billion in September, revised from 33.12 billion, and 24.61 billion a year "
            "earlier, the statistics department said.")
    other_lead = ("WELLINGTON, March 10 - New Zealand's total foreign debt will keep falling as energy projects "
                  "are refinanced, Finance Minister Roger Douglas said.")
    restated = ("Statistics department figures show total debt fell to 32.94 billion dlrs in the December quarter "
                "from 33.42 billion in September, although the government's share rose to 21.32 billion.")
    texts = [f"N.Z. FOREIGN DEBT FALLS\n\n{lead}\n", f"N.Z. DEBT TO KEEP FALLING\n\n{other_lead}\n\n{restated}\n"]

    to_lead = Match("partial", found_in(texts, 0, lead), found_in(texts, 1, other_lead), 0.12, 0.3, 0.3, 0.4, 0)
    to_restated = Match("partial", found_in(texts, 0, lead), found_in(texts, 1, restated), 0.18, 0.4, 0.4, 0.5, 1)
    clusters = [Cluster(0, "sentence", "partial", to_lead.a, (to_lead.a, to_lead.b)),
                Cluster(1, "sentence", "partial", to_restated.a, (to_restated.a, to_restated.b))]
    kept, _ = related_matches([to_lead, to_restated], clusters, texts, word_frequencies(texts), ScanConfig())
    assert kept == [to_lead, to_restated]


def dated(days: float) -> datetime:
    return datetime(1987, 3, 2, 9, tzinfo=UTC) + timedelta(days=days)


COUNCIL = ("FRANKFURT, March {} - The Bundesbank left credit policies unchanged after today's regular meeting of "
           "its council, a spokesman said in answer to enquiries.")
# The words of the standing lead: a template's in many stories, the council's in a few (distinctive, not rare).
SERIES_WORDS = (["the left after today's regular meeting of its a said in answer to on owed february billion dlrs "
                 "commercial banks foreign suspended bought mln pct at"] * 60
                + ["Bundesbank credit policies unchanged council spokesman enquiries Brazil interest payments "
                   "bills band stg Bank England"] * 10)


def test_the_next_edition_of_a_series_a_week_later_does_not_reuse_the_last_one():
    """The standing lead of a fortnightly report shares seven distinctive words and no figure: two stories
    a day apart (a re-send) are related by it, two editions two weeks apart are not; undated, as before."""
    (lead,) = span_evidence([(COUNCIL.format(5), COUNCIL.format(19))], word_frequencies(SERIES_WORDS))
    assert len(lead.distinctive) == 7 and lead.rare == 0 and not lead.a_quantities
    both = {(0, 1), (1, 0)}
    assert related([(0, 1)], [lead]) == both
    assert related([(0, 1)], [lead], [dated(0), dated(1)]) == both
    assert related([(0, 1)], [lead], [dated(0), dated(14)]) == set()
    assert related([(0, 1)], [lead], {0: dated(14), 1: None}) == both


def test_a_figure_restated_weeks_later_still_relates_a_figure_of_another_day_does_not():
    """Background restated with its figure (the debt Brazil stopped paying interest on) is reuse weeks
    later; a daily money market line whose amount changed shares the template and another day's rate."""
    restated, daily = span_evidence([
        ("Brazil on February 20 suspended interest payments on 68 billion dlrs owed to commercial banks.",
         "On February 20, Brazil suspended interest payments on 68 billion dlrs owed to foreign commercial banks."),
        ("The Bank of England bought 95 mln stg of bills in band 2 at 10-7/8 pct.",
         "The Bank of England bought 120 mln stg of bills in band 2 at 10-7/8 pct.")],
        word_frequencies(SERIES_WORDS))
    assert restated.rare == daily.rare == 0 and max(len(restated.distinctive), len(daily.distinctive)) < 8
    both = {(0, 1), (1, 0)}
    weeks = [dated(0), dated(21)]
    assert related([(0, 1)], [restated]) == both and related([(0, 1)], [restated], weeks) == both
    assert daily.figures_agree and related([(0, 1)], [daily]) == both
    assert related([(0, 1)], [daily], weeks) == set()


def test_a_companys_next_report_weeks_later_with_every_figure_new_is_not_reuse():
    """A mine's second assay of one vein, weeks after the first: the words of the vein and the property carry
    the match, but every one of the quantities is new. Days apart it is an update; sharing one of them it is
    the same deal restated."""
    first = ("Tarragon Gold Mines said the Hollis vein at its Kirkland Lake, Ontario property gave assays "
             "of 1.12 ounces of gold a ton across an average width of 4.6 feet over 220 feet.")
    later = ("Tarragon Gold Mines said drifting on the Hollis vein at the Kirkland Lake, Ontario property "
             "gave an average of 0.61 ounce of gold a ton across 5.5 feet for 310 feet.")
    restated = later.replace("5.5 feet", "4.6 feet")
    next_report, same_width = span_evidence([(first, later), (first, restated)], word_frequencies(SERIES_WORDS))
    assert next_report.carries and not next_report.a_quantities & next_report.b_quantities
    both = {(0, 1), (1, 0)}
    assert related([(0, 1)], [next_report], [dated(0), dated(17)]) == set()
    assert related([(0, 1)], [next_report], [dated(0), dated(2)]) == both
    assert related([(0, 1)], [same_width], [dated(0), dated(17)]) == both


def test_an_update_days_later_that_changes_a_figure_is_related_by_the_words_it_carries():
    """An offering under way two weeks after it was filed, for more shares: the lead's figure changed, its
    underwriters' names carry the match."""
    filed = ("Tarnwell Municipal Income Trust said it filed for an initial public offering of 16 mln shares "
             "through underwriters led by Morven Keegan Inc, Batesford Eichler, Hillard Richards Inc and Pipp, "
             "Jaffrey and Hopwell Inc.")
    under_way = filed.replace("filed for", "began").replace("16 mln", "26 mln")
    (update,) = span_evidence([(filed, under_way)], word_frequencies(SERIES_WORDS))
    assert not update.figures_agree and update.carries
    assert related([(0, 1)], [update], [dated(0), dated(13)]) == {(0, 1), (1, 0)}


def test_the_scan_and_the_index_read_the_dates(tmp_path):
    """Two editions of the council report two weeks apart are not matched when dated (the wire's date
    field), and are when undated; the index's check judges a stored edition by its stored date alike."""
    board = [Document(f"b{k}", f"b{k}", f"{name} Industries said in answer to a question that today's regular "
                      f"meeting of the board left the dividend of its stock as it was after the vote.")
             for k, name in enumerate(NAMES[:60])]  # the lead's template words, in most stories
    notes = [Document(f"n{k}", f"n{k}", f"Bundesbank {word}: credit policies unchanged, council spokesman reports "
                      f"enquiries.") for k, word in enumerate(("watch", "view", "note", "brief", "diary", "digest"))]
    editions = [(f"{COUNCIL.format(5)}\n\nThe discount rate stays at 3.0 pct.\n", "5-MAR-1987 10:02:11.00"),
                (f"{COUNCIL.format(19)}\n\nMembers meet next in Berlin on April 2.\n", "19-MAR-1987 10:05:40.00")]

    def scan(with_dates: bool) -> set[tuple[str, str, str]]:
        documents = board + notes + [Document(f"e{k}", f"e{k}", text, metadata={"date": date} if with_dates else {})
                                     for k, (text, date) in enumerate(editions)]
        return {pair for pair in cross(analyze(documents, ScanConfig(diffs=False))) if pair[1:] == ("e0", "e1")}

    assert scan(with_dates=False) == {("near", "e0", "e1")} and scan(with_dates=True) == set()
    with Index.create(tmp_path / "council.dedup") as index:
        index.add_many([(d.id, d.text) for d in board + notes] + [("e0", editions[0][0], {"date": editions[0][1]})])
        assert [m.id for m in index.check(editions[1][0]).matches] == ["e0"]
        assert index.check(editions[1][0], date=editions[1][1]).verdict == "new"



def test_another_report_of_a_statistics_table_is_not_an_edit_however_many_words_it_repeats():
    """A meat board's exports for two months, sent the day its yearly table was: the table's words, products
    and countries are all repeated (more than enough to carry a rewrite) and a figure or two agree by
    coincidence, but nearly every tonnage is new. The yearly table re-sent with one figure revised is an edit."""
    def table(total, prior, beef, horse, offal, europe, israel, peru):
        return (f"Veldrian meat exports totalled {total} tonnes against {prior} tonnes in the same period, the "
                f"National Meat Board of Veldria said. Shipments in tonnes included beef {beef}, horse meat {horse} "
                f"and beef offal {offal}. Main destinations for refrigerated beef, bone in equivalent, were the "
                f"Economic Community {europe}, Israel {israel}, Peru {peru}, Angola 4,800, Chile 3,400, Switzerland "
                f"3,000, the Canary Islands 2,400, Singapore 1,900 and Aruba and Curazao 1,600.")
    yearly = table("220,911", "223,204", "120,184", "25,651", "50,100", "46,300", "16,200", "8,100")
    two_months = (table("39,714", "36,594", "26,945", "3,257", "7,660", "5,500", "3,700", "2,500")
                  .replace("4,800", "900").replace("3,400", "100").replace("2,400", "500").replace("1,900", "500")
                  .replace("1,600", "200"))
    revised = yearly.replace("25,651", "25,615")
    other_report, edit = span_evidence([(yearly, two_months), (yearly, revised)], word_frequencies(SERIES_WORDS))
    assert len(other_report.distinctive) >= 24 and other_report.a_quantities & other_report.b_quantities
    assert related([(0, 1)], [other_report]) == set()
    assert related([(0, 1)], [edit]) == {(0, 1), (1, 0)}
