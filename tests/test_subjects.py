"""Subjects: a version is of one company when both stories name theirs by a ticker, in the scan and the index."""

import pytest

from dedup.index import Index
from dedup.pipeline import analyze
from dedup.sources import Document
from dedup.subjects import keyed, lead_subject, one_company, other_subjects, subject_keys

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


def test_the_scan_relates_one_companys_story_and_not_two_companies_template():
    assert scan_relations(HARBOR, QUARRY) == {}  # neither names the other's company (other_subjects)
    assert scan_relations(HARBOR, HARBOR_AGAIN) == {("d0", "d1"): "version"}


def test_two_companies_template_is_reuse_not_a_version_even_when_one_mentions_the_others_name():
    """Quarry's story names Harbor Light: their subjects are not told apart, their tickers still are."""
    quarry = QUARRY + "    Its chairman also sits on the board of Harbor Light.\n"
    assert scan_relations(HARBOR, quarry) == {("d0", "d1"): "reuse"}


@pytest.mark.parametrize(("stored", "verdict"), [(QUARRY, "new"), (HARBOR_AGAIN, "near-duplicate")])
def test_a_check_gives_the_scans_kinds(tmp_path, stored, verdict):
    with Index.create(tmp_path / "index.db") as index:
        index.add("stored", stored)
        found = index.check(HARBOR)
    assert found.verdict == verdict
    assert found.version_of == ("stored" if verdict == "near-duplicate" else None)


def bond(issuer: str, headline: str, amount: str, place: str = "LONDON") -> str:
    return (f"{headline}\n{place}, March 18 - {issuer} is issuing a {amount} eurobond due 1992 paying "
            "7-1/4 pct and priced at 101-1/2, lead manager Nordbank Securities said.\n"
            "    The non-callable bond is available in denominations of 5,000 dlrs and will be listed in "
            "Luxembourg. Fees comprise 1-1/4 pct selling concession and 5/8 pct management and underwriting "
            "combined, with payment due on April 21.\n")


FJORD = bond("Fjordkraft Bank og Kreditkasse", "FJORDKRAFT BANK ISSUES EUROBOND", "100 mln dlr")
TASMAN = bond("The Tasman Harbour Board's finance unit", "TASMAN HARBOUR ISSUES 50 MLN DLR BOND", "50 mln dlr",
              "SYDNEY")
# A later story of Tasman's that restates its bond: it names Tasman.
TASMAN_AGAIN = ("TASMAN HARBOUR BOND PRICED, DEMAND STRONG\nLONDON, March 19 - The Tasman Harbour Board's bond "
                "launched yesterday drew strong demand from Swiss and German investors, dealers said.\n"
                "    The non-callable bond is available in denominations of 5,000 dlrs and will be listed in "
                "Luxembourg. Fees comprise 1-1/4 pct selling concession and 5/8 pct management and underwriting "
                "combined, with payment due on April 21.\n"
                "    Two dealers said the board would return to the market before June for up to 200 mln dlrs "
                "to finance the new container terminal at Bell Bay, work on which starts in the autumn.\n"
                "    The board's chairman, Walter Lindqvist, told reporters in Hobart that the terminal would "
                "double the port's capacity and that the state government had guaranteed its borrowing.\n")


@pytest.mark.parametrize(("text", "names"), [
    (FJORD, {"fjord"}),  # the name the lead opens with; "Bank", a kind of company, names no one
    ("GECC ISSUES 75 MLN AUSTRALIAN DLR EUROBOND\nLONDON, March 5 - General Electric Credit Corp is issuing a "
     "eurobond.\n", {"gecc", "elect"}),  # the headline's acronym of the name
    (TASMAN, {"tasma", "harbo"}),  # "The" and the possessive read, "Board" not in the headline
    ("THUNANDER CORP <THDR> YEAR NET\nShr 73 cts vs 58 cts\n", {"thuna"}),  # a table: the name before the ticker
    ("ANGIO-MEDICAL IN INITIAL OFFERING\nNEW YORK, March 3 - <Angio-Medical Corp> said it filed for an "
     "offering.\n", {"angio"}),  # a name in brackets, named by its first part
    ("BRAZIL SAYS DEBT CRISIS IS A WORLD PROBLEM\nBRASILIA, March 3 - Brazilian Finance Minister Dilson "
     "Funaro said the debt crisis was a world problem.\n", {"brazi"}),  # one stem for Brazil and Brazilian
    ("HALVARD ARRANGES 90 MLN STG CREDIT\nLONDON, March 9 - A 90 mln stg credit for U.K. retailer Halvard "
     "Stores Plc has been arranged by two banks.\n", {"halva"}),  # the headline's opening, a company in the lead
    ("CNDV ISSUING TWO BILLION FRANC BOND\nPARIS, March 3 - The state waterways board, the Compagnie "
     "Nationale des Voies (CNDV), is issuing a bond.\n", {"cndv"}),  # an acronym the lead defines
    ("<MOSSGIEL GOLD MINES LTD> YEAR LOSS\nTORONTO, March 4 - Shr loss nine cts vs loss 14 cts\n",
     {"mossg", "gold", "mines"}),  # a results table with its name in brackets: the name as written
    ("TRAVIS FUND HAS 6.1 PCT OF ORWELL <ORWL>\nWASHINGTON, March 5 - Travis Fund LP, an investment "
     "partnership, said it has acquired 6.1 pct of Orwell Inc.\n", {"travi"}),  # "has", "pct" are no names
])
def test_the_subject_is_the_name_the_lead_opens_with_and_the_headline_repeats(text, names):
    assert lead_subject(text).names == names


@pytest.mark.parametrize("text", [
    "RUBBER PACT TALKS ADJOURN\nGENEVA, March 20 - Negotiators at the rubber talks adjourned.\n",  # not a name
    "Kellwood Mills said its profit rose.\n",  # no dateline, no ticker: no subject read
    # a person the headline opens with is no subject: another story restates what he said without his name
    "OSTRANDER SAYS DOLLAR IS STABLE\nWASHINGTON, March 4 - The dollar is stable, Treasury Under Secretary "
    "Karl Ostrander told a Senate panel.\n",
])
def test_a_story_whose_lead_names_no_subject_has_none(text):
    assert lead_subject(text) is None


def test_two_stories_are_about_other_subjects_when_neither_mentions_the_others():
    fjord, tasman, again = (lead_subject(text) for text in (FJORD, TASMAN, TASMAN_AGAIN))
    assert other_subjects(fjord, tasman) and other_subjects(tasman, fjord)
    assert other_subjects(fjord, again)
    assert not other_subjects(tasman, again)  # the later story names Tasman
    assert not other_subjects(fjord, None)  # a story without a subject is never ruled out


def test_a_subject_is_mentioned_by_the_word_of_its_name_fewest_documents_hold():
    """The lead manager Union Bank of Switzerland shares "Union", a common word, with the issuer Union Bank
    of Finland, not "Finland": the two eurobonds are about other subjects once the key is known."""
    finland = ("UNION BANK OF FINLAND ISSUES EUROYEN BOND\nLONDON, March 9 - Union Bank of Finland is issuing a "
               "10 billion yen eurobond, Daiwa Europe said as lead manager.\n")
    society = ("HALLAM BUILDING SOCIETY ISSUES STERLING BOND\nLONDON, March 12 - Hallam Building Society is "
               "issuing a 50 mln stg bond, lead manager Union Bank of Switzerland (Securities) Ltd said.\n")
    held = {"union": 400, "finland": 60, "hallam": 2, "building": 90, "society": 80}
    leads = keyed({0: lead_subject(finland), 1: lead_subject(society), 2: None},
                  lambda words: [held[word] for word in words])
    assert (leads[0].key, leads[1].key, leads[2]) == ("finla", "halla", None)
    assert other_subjects(leads[0], leads[1])
    assert not other_subjects(lead_subject(finland), lead_subject(society))  # any word of the name: "Union"


def test_an_issuer_named_like_anothers_lead_manager_shares_only_the_fee_clause(tmp_path):
    finland = bond("Union Bank of Finland", "UNION BANK OF FINLAND ISSUES EUROBOND", "100 mln dlr")
    hallam = bond("Hallam Building Society", "HALLAM BUILDING SOCIETY ISSUES EUROBOND", "50 mln stg").replace(
        "Nordbank Securities", "Union Bank of Switzerland")
    assert scan_relations(finland, hallam) == {}
    with Index.create(tmp_path / "index.db") as index:
        index.add("finland", finland)
        assert index.check(hallam).verdict == "new"


def test_two_issuers_fee_clause_relates_nothing_and_an_issuers_own_story_still_reuses_it():
    assert scan_relations(FJORD, TASMAN) == {}
    assert scan_relations(TASMAN, TASMAN_AGAIN) == {("d0", "d1"): "reuse"}


def test_a_check_finds_no_reuse_in_another_issuers_fee_clause(tmp_path):
    with Index.create(tmp_path / "fjord.db") as index:
        index.add("fjord", FJORD)
        assert index.check(TASMAN).verdict == "new"
        assert index.check(TASMAN_AGAIN).verdict == "new"
    with Index.create(tmp_path / "tasman.db") as index:
        index.add("tasman", TASMAN)
        found = index.check(TASMAN_AGAIN)
    assert (found.verdict, [m.id for m in found.matches]) == ("partial-reuse", ["tasman"])
