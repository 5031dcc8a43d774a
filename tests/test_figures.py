"""Figures extracted from raw text: value, kind, qualifier, what is counted, what happened, claims."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import figures
from dedup.figures import DEFAULT_FOLDS, NOT_A_FIGURE_RULES, Figure, extract_figures, fold_counts, merge_folds

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


class Expected(NamedTuple):
    text: str
    value: float | None
    high: float | None = None
    kind: str = "count"
    qualifier: str | None = None
    counts: str | None = None
    event: str | None = None
    claimed: bool = False
    unit: str | None = None
    vague: bool = False
    sign: int | None = None
    scale: str | None = None
    measure: str | None = None


def observed(figure: Figure) -> Expected:
    return Expected(
        figure.text, figure.value, figure.high, figure.kind, figure.qualifier, figure.counts, figure.event,
        figure.claimed, figure.unit, figure.vague, figure.sign, figure.scale, figure.measure,
    )  # fmt: skip


def figure_with_text(sentence: str, text: str) -> Figure:
    matches = [figure for figure in extract_figures(sentence) if figure.text == text]
    assert len(matches) == 1, [figure.text for figure in extract_figures(sentence)]
    return matches[0]


SEED_CASES = [
    # 000
    (
        "Pakistan escalates crackdown on Baloch separatists after brutal assault on civilians and security "
        "personnel, with at least 31 killed.",
        Expected("at least 31", 31.0, qualifier="at least", counts="dead", event="killed"),
    ),
    (
        "Scores of insurgents launched a coordinated attack on military installations, police stations, "
        "banks, "
        "and government offices, killing at least 17 security personnel.",
        Expected("Scores of", 40.0, counts="insurgents", vague=True),
    ),
    (
        "Scores of insurgents launched a coordinated attack on military installations, police stations, "
        "banks, "
        "and government offices, killing at least 17 security personnel.",
        Expected("at least 17", 17.0, qualifier="at least", counts="security personnel", event="killed"),
    ),
    (
        "The assault also resulted in the deaths of at least 31 civilians, with many more injured.",
        Expected("at least 31", 31.0, qualifier="at least", counts="civilians", event="killed"),
    ),
    (
        "The BLA also released a statement claiming to have killed 84 security personnel and taken 18 "
        "officials "
        "prisoner, although these claims could not be verified.",
        Expected("84", 84.0, counts="security personnel", event="killed", claimed=True),
    ),
    (
        "The BLA also released a statement claiming to have killed 84 security personnel and taken 18 "
        "officials "
        "prisoner, although these claims could not be verified.",
        Expected("18", 18.0, counts="officials", event="captured", claimed=True),
    ),
    # 001
    (
        "a major and coordinated assault on Saturday that resulted in the deaths of at least 31 civilians "
        "and "
        "17 security personnel.",
        Expected("17", 17.0, counts="security personnel", event="killed"),
    ),
    (
        "The attacks targeted more than ten cities simultaneously.",
        Expected("more than ten", 10.0, qualifier="more than", counts="cities"),
    ),
    (
        "In Mastung, dozens of insurgents assaulted a prison, freeing almost 30 prisoners, according to "
        "police reports.",
        Expected("dozens of", 24.0, counts="insurgents", vague=True),
    ),
    (
        "In Mastung, dozens of insurgents assaulted a prison, freeing almost 30 prisoners, according to "
        "police reports.",
        Expected("almost 30", 30.0, qualifier="almost", counts="prisoners", event="freed"),
    ),
    (
        "Sarfraz Bugti stated that security forces had killed 145 militants within 40 hours.",
        Expected("145", 145.0, counts="militants", event="killed"),
    ),
    (
        "The BLA has claimed responsibility for the attacks, asserting in a statement that they killed 84 "
        "security "
        "personnel and took 18 security and civilian officials prisoner.",
        Expected("84", 84.0, counts="security personnel", event="killed", claimed=True),
    ),
    (
        "The BLA has claimed responsibility for the attacks, asserting in a statement that they killed 84 "
        "security "
        "personnel and took 18 security and civilian officials prisoner.",
        Expected("18", 18.0, counts="security and civilian officials", event="captured", claimed=True),
    ),
    (
        "Residents in Khuzdar district reported that the BLA had captured seven members of the security "
        "forces, "
        "though Pakistan's military has not commented on this.",
        Expected("seven", 7.0, counts="members of the security forces", event="captured"),
    ),
    (
        "In Pasni, five militants were killed when they entered the headquarters of Pakistan's coastguard "
        "after a "
        "suicide bomber detonated at the gate, reportedly killing one maritime security official.",
        Expected("five", 5.0, counts="militants", event="killed"),
    ),
    (
        "In Pasni, five militants were killed when they entered the headquarters of Pakistan's coastguard "
        "after a "
        "suicide bomber detonated at the gate, reportedly killing one maritime security official.",
        Expected("one", 1.0, counts="maritime security official", event="killed"),
    ),
    # 002
    (
        "a coordinated militant offensive that killed more than 190 people over two days, in one of the "
        "boldest "
        "challenges to state authority in recent years.",
        Expected("more than 190", 190.0, qualifier="more than", counts="people", event="killed"),
    ),
    (
        "Provincial Chief Minister Sarfraz Bugti said at least 31 civilians and 17 security personnel were "
        "killed, "
        "while security forces reported eliminating at least 145 attackers.",
        Expected("at least 31", 31.0, qualifier="at least", counts="civilians", event="killed"),
    ),
    (
        "Provincial Chief Minister Sarfraz Bugti said at least 31 civilians and 17 security personnel were "
        "killed, "
        "while security forces reported eliminating at least 145 attackers.",
        Expected("at least 145", 145.0, qualifier="at least", counts="attackers", event="killed"),
    ),
    (
        "Saturday's offensive came a day after the military said it killed 41 insurgents in separate "
        "operations.",
        Expected("41", 41.0, counts="insurgents", event="killed"),
    ),
    (
        "Defence Minister Asif confirmed at least one of the suicide bombers was a young woman.",
        Expected("at least one", 1.0, qualifier="at least", counts="suicide bombers"),
    ),
    # 003
    (
        "Pakistan's military says it has killed at least 92 militants blamed for deadly co-ordinated "
        "attacks.",
        Expected("at least 92", 92.0, qualifier="at least", counts="militants", event="killed"),
    ),
    (
        "The military reported that 15 security service personnel and 18 civilians were also killed, "
        "alleging "
        "India's support for the militants, a claim that Delhi has repeatedly denied.",
        Expected("15", 15.0, counts="security service personnel", event="killed"),
    ),
    (
        "The military reported that 15 security service personnel and 18 civilians were also killed, "
        "alleging "
        "India's support for the militants, a claim that Delhi has repeatedly denied.",
        Expected("18", 18.0, counts="civilians", event="killed"),
    ),
    (
        "The BLA rebel group had claimed responsibility for the attacks, stating that dozens of soldiers "
        "were killed.",
        Expected("dozens of", 24.0, counts="soldiers", event="killed", vague=True),
    ),
    (
        "Earlier in the day, militants armed with grenades and firearms attacked 12 cities and towns across "
        "the "
        "province.",
        Expected("12", 12.0, counts="cities and towns"),
    ),
    # 004
    (
        "Deadly Attacks in Balochistan: More Than 120 Killed",
        Expected("More Than 120", 120.0, qualifier="more than", counts="dead", event="killed"),
    ),
    (
        "On February 2, a series of coordinated suicide and gun attacks rocked Balochistan province in "
        "Pakistan, "
        "resulting in the deaths of over 120 individuals.",
        Expected("over 120", 120.0, qualifier="over", counts="individuals", event="killed"),
    ),
    (
        "The violence unfolded across Balochistan, claiming the lives of 33 civilians and security personnel "
        "in "
        "multiple attacks.",
        Expected("33", 33.0, counts="civilians and security personnel", event="killed"),
    ),
    (
        "Pakistani military forces also engaged and neutralized 92 “terrorists” in their efforts to combat "
        "the "
        "insurgents.",
        Expected("92", 92.0, counts="terrorists", event="killed"),
    ),
    (
        "The military reported casualties, with a total of 18 civilians, 15 security personnel, and 92 "
        "insurgents "
        "losing their lives.",
        Expected("a total of 18", 18.0, qualifier="a total of", counts="civilians", event="killed"),
    ),
    (
        "The military reported casualties, with a total of 18 civilians, 15 security personnel, and 92 "
        "insurgents "
        "losing their lives.",
        Expected("15", 15.0, counts="security personnel", event="killed"),
    ),
    (
        "The military reported casualties, with a total of 18 civilians, 15 security personnel, and 92 "
        "insurgents "
        "losing their lives.",
        Expected("92", 92.0, counts="insurgents", event="killed"),
    ),
    (
        "Authorities reported the elimination of at least 133 militants in Balochistan within 48 hours, "
        "including "
        "the 92 insurgents on the day of the attacks.",
        Expected("at least 133", 133.0, qualifier="at least", counts="militants", event="killed"),
    ),
    (
        "Authorities reported the elimination of at least 133 militants in Balochistan within 48 hours, "
        "including "
        "the 92 insurgents on the day of the attacks.",
        Expected("92", 92.0, counts="insurgents"),
    ),
    (
        "Bugti cited the elimination of approximately 700 militants in the past year.",
        Expected("approximately 700", 700.0, qualifier="approximately", counts="militants", event="killed"),
    ),
    (
        "There were notable incidents in Quetta, where two police officers lost their lives in a grenade "
        "attack.",
        Expected("two", 2.0, counts="police officers", event="killed"),
    ),
]

SYNTHETIC_CASES = [
    # digits, separators, decimals, scales
    ("Officials said 1,200 people fled.", Expected("1,200", 1200.0, counts="people")),
    (
        "Some 1.2 million people fled.",
        Expected("Some 1.2 million", 1200000.0, qualifier="some", counts="people", scale="million"),
    ),
    ("The fund reached 2 billion.", Expected("2 billion", 2e9, scale="billion")),
    # number words
    ("Twenty-one people were there.", Expected("Twenty-one", 21.0, counts="people")),
    ("Ninety-nine soldiers were there.", Expected("Ninety-nine", 99.0, counts="soldiers")),
    ("He saw two hundred and five soldiers.", Expected("two hundred and five", 205.0, counts="soldiers")),
    ("A hundred protesters gathered.", Expected("A hundred", 100.0, counts="protesters")),
    ("He met a dozen police.", Expected("a dozen", 12.0, counts="police")),
    ("He met half a dozen reporters.", Expected("half a dozen", 6.0, counts="reporters")),
    ("He met a thousand farmers.", Expected("a thousand", 1000.0, counts="farmers")),
    (
        "One hundred and twenty-one thousand voters.",
        Expected("One hundred and twenty-one thousand", 121000.0, counts="voters"),
    ),
    # vague amounts
    ("Dozens were hurt.", Expected("Dozens", 24.0, counts="injured", event="injured", vague=True)),
    ("Hundreds of people fled.", Expected("Hundreds of", 200.0, counts="people", vague=True)),
    ("Thousands of homes were lost.", Expected("Thousands of", 2000.0, counts="homes", vague=True)),
    (
        "Tens of thousands of protesters marched.",
        Expected("Tens of thousands of", 20000.0, counts="protesters", vague=True),
    ),
    ("Scores of homes burned.", Expected("Scores of", 40.0, counts="homes", vague=True)),
    # percentages
    ("Turnout was 45%.", Expected("45%", 45.0, kind="percent", unit="%")),
    (
        "Turnout was nearly 45 percent.",
        Expected("nearly 45 percent", 45.0, kind="percent", qualifier="nearly", unit="%"),
    ),
    ("Turnout was 45 per cent.", Expected("45 per cent", 45.0, kind="percent", unit="%")),
    # money
    ("The deal is worth $3.5 million.", Expected("$3.5 million", 3500000.0, kind="money", unit="USD", scale="million")),
    ("A ticket costs Rs 500.", Expected("Rs 500", 500.0, kind="money", unit="RS")),
    ("A ticket costs £20.", Expected("£20", 20.0, kind="money", unit="GBP")),
    ("The plan costs €1.2bn.", Expected("€1.2bn", 1.2e9, kind="money", unit="EUR", scale="billion")),
    ("He paid 500 dollars.", Expected("500 dollars", 500.0, kind="money", unit="USD")),
    ("He paid 1,200 rupees.", Expected("1,200 rupees", 1200.0, kind="money", unit="RS")),
    ("It cost $5m.", Expected("$5m", 5e6, kind="money", unit="USD", scale="million")),
    # ordinals
    ("It was the first attack.", Expected("first", 1.0, kind="ordinal")),
    ("It was the 21st raid.", Expected("21st", 21.0, kind="ordinal")),
    ("It was the third blast.", Expected("third", 3.0, kind="ordinal")),
    ("It was the twenty-first blast.", Expected("twenty-first", 21.0, kind="ordinal")),
    # dates and years
    ("On February 2, talks resumed.", Expected("February 2", 202.0, kind="date", unit="mmdd")),
    (
        "On 2 February 2025 talks resumed.",
        Expected("2 February 2025", 20250202.0, kind="date", unit="yyyymmdd"),
    ),
    ("On Feb. 2 talks resumed.", Expected("Feb. 2", 202.0, kind="date", unit="mmdd")),
    ("Talks resumed in February 2025.", Expected("February 2025", 202502.0, kind="date", unit="yyyymm")),
    ("The state was founded in 1947.", Expected("1947", 1947.0, kind="year")),
    ("The Taliban regained power in 2021.", Expected("2021", 2021.0, kind="year")),
    (
        "The crowd grew to at least 2000 people.",
        Expected("at least 2000", 2000.0, qualifier="at least", counts="people"),
    ),
    # ages and durations
    ("A 39-year-old shopkeeper spoke.", Expected("39-year-old", 39.0, kind="age", unit="years")),
    ("A man aged 52 spoke.", Expected("aged 52", 52.0, kind="age", unit="years")),
    ("A woman 40 years old spoke.", Expected("40 years old", 40.0, kind="age", unit="years")),
    ("The siege lasted 48 hours.", Expected("48 hours", 48.0, kind="duration", unit="hours")),
    ("The siege lasted two days.", Expected("two days", 2.0, kind="duration", unit="days")),
    ("A Deadly Two-Day Siege", Expected("Two-Day", 2.0, kind="duration", unit="days")),
    # ranges
    (
        "Between 30 and 40 people died.",
        Expected("Between 30 and 40", 30.0, 40.0, counts="people", event="killed"),
    ),
    (
        "Some 30 to 40 were hurt.",
        Expected("Some 30 to 40", 30.0, 40.0, qualifier="some", counts="injured", event="injured"),
    ),
    ("Police said 30-40 fled.", Expected("30-40", 30.0, 40.0)),
    ("It reached 3 to 4 million voters.", Expected("3 to 4 million", 3e6, 4e6, counts="voters", scale="million")),
    # qualifiers
    (
        "Up to 5 people were arrested.",
        Expected("Up to 5", 5.0, qualifier="up to", counts="people", event="arrested"),
    ),
    (
        "As many as 5 people were arrested.",
        Expected("As many as 5", 5.0, qualifier="up to", counts="people", event="arrested"),
    ),
    ("Around 50 troops were deployed.", Expected("Around 50", 50.0, qualifier="around", counts="troops")),
    ("About 60 rebels surrendered.", Expected("About 60", 60.0, qualifier="about", counts="rebels")),
    (
        "Fewer than 10 were injured.",
        Expected("Fewer than 10", 10.0, qualifier="fewer than", counts="injured", event="injured"),
    ),
    (
        "Less than 7 were released.",
        Expected("Less than 7", 7.0, qualifier="less than", counts="freed", event="freed"),
    ),
    # events and bare counts
    ("A death toll of 31 was reported.", Expected("31", 31.0, counts="dead", event="killed")),
    ("The toll rose to 31.", Expected("31", 31.0, counts="dead", event="killed")),
    ("The attack left 31 dead and 40 injured.", Expected("40", 40.0, counts="injured", event="injured")),
    (
        "Police arrested 12 suspects and detained 3 students.",
        Expected("3", 3.0, counts="students", event="arrested"),
    ),
    ("Gunmen abducted 7 engineers.", Expected("7", 7.0, counts="engineers", event="captured")),
    ("The rebels took 18 officials hostage.", Expected("18", 18.0, counts="officials", event="captured")),
    ("Five people are missing.", Expected("Five", 5.0, counts="people", event="missing")),
    ("They shot 18 wounded soldiers.", Expected("18", 18.0, counts="wounded soldiers", event="injured")),
    ("Killed 145 Militants In Raid", Expected("145", 145.0, counts="militants", event="killed")),
    # claims versus reports
    (
        "The group claimed that 50 soldiers were killed, but officials said 9 soldiers were killed.",
        Expected("50", 50.0, counts="soldiers", event="killed", claimed=True),
    ),
    (
        "The group claimed that 50 soldiers were killed, but officials said 9 soldiers were killed.",
        Expected("9", 9.0, counts="soldiers", event="killed"),
    ),
    (
        "The group said it killed 30 soldiers; the army said 12 soldiers died.",
        Expected("12", 12.0, counts="soldiers", event="killed"),
    ),
    (
        "Rebels alleged that 20 civilians were killed.",
        Expected("20", 20.0, counts="civilians", event="killed", claimed=True),
    ),
]


# Wire copy: sentences written in the style of a 1987 newswire (results tables, market reports).
WIRE_CASES = [
    # grouped thousands of any length
    ("The company sold 113,275 shares.", Expected("113,275", 113275.0, counts="shares")),
    ("It lost 464,000 subscribers.", Expected("464,000", 464000.0, counts="subscribers")),
    ("About 100,000 people attended.", Expected("About 100,000", 100000.0, qualifier="about", counts="people")),
    (
        "It paid a total of 2,000,000 dlrs for the stake.",
        Expected("a total of 2,000,000 dlrs", 2e6, kind="money", qualifier="a total of", unit="USD"),
    ),
    ("The mill shipped 12,345,678,901 lbs.", Expected("12,345,678,901", 12345678901.0, counts="lbs")),
    # the text's grouping convention
    (
        "Omzet steeg tot 2.000.000 guilders, tegen 1.250.500 guilders.",
        Expected("2.000.000 guilders", 2e6, kind="money", unit="NLG"),
    ),
    ("Le fonds a levé 3 500 000 francs.", Expected("3 500 000 francs", 3.5e6, kind="money", unit="francs")),
    ("The yield was 1.234,5 points under that convention of 1.000.000.", Expected("1.234,5", 1234.5, counts="points")),
    # decimals, fractions and mixed numbers
    ("The dollar closed at 6.3158 francs.", Expected("6.3158 francs", 6.3158, kind="money", unit="francs")),
    ("The bonds were quoted at 101-3/32.", Expected("101-3/32", 101 + 3 / 32)),
    ("Bids rose 1/2 to 17-1/4 dlrs.", Expected("17-1/4 dlrs", 17.25, kind="money", unit="USD")),
    ("Bids rose 1/2 to 17-1/4 dlrs.", Expected("1/2", 0.5)),
    ("The rate was set at 31-1/4 basis points.", Expected("31-1/4", 31.25, counts="basis points")),
    # scales and wire abbreviations
    (
        "Arrivals reached 5.93 mln bags.",
        Expected("5.93 mln", 5.93e6, scale="million", counts="bags"),
    ),
    (
        "It raised 1.2 bln dlrs in debt.",
        Expected("1.2 bln dlrs", 1.2e9, kind="money", unit="USD", scale="billion"),
    ),
    (
        "Exports rose 4.5 pct in January.",
        Expected("4.5 pct", 4.5, kind="percent", unit="%"),
    ),
    ("The bank lent 300 mln stg.", Expected("300 mln stg", 3e8, kind="money", unit="GBP", scale="million")),
    ("Tokyo sold 25 billion yen of notes.", Expected("25 billion yen", 2.5e10, kind="money", unit="JPY",
                                                      scale="billion")),
    ("Crude sold at 18 dlrs a barrel.", Expected("18 dlrs a barrel", 18.0, kind="money", unit="USD per barrel")),
    # a scale written once on the left of a comparison holds for the right
    (
        "The crop was 5.93\nmln against 5.81 a year ago.",
        Expected("5.81", 5.81e6, scale="million"),
    ),
    # results lines: measures, signs and vs pairs
    (
        "Shr loss 1.59 dlrs vs profit 61 cts",
        Expected("loss 1.59 dlrs", 1.59, kind="money", unit="USD", sign=-1, measure="Shr"),
    ),
    (
        "Shr loss 1.59 dlrs vs profit 61 cts",
        Expected("profit 61 cts", 61.0, kind="money", unit="cents", sign=1, measure="Shr"),
    ),
    ("Net 1,545,160 vs 2,188,933", Expected("1,545,160", 1545160.0, measure="Net")),
    ("Net 1,545,160 vs 2,188,933", Expected("2,188,933", 2188933.0, measure="Net")),
    ("Net loss 412,000 vs 98,000", Expected("98,000", 98000.0, sign=-1, measure="Net")),
    (
        "Revs 25.2 mln vs 19.5 mln",
        Expected("19.5 mln", 19.5e6, scale="million", measure="Revs"),
    ),
    (
        "LIMA, Ohio, March 4 - Shr 39 cts vs 50 cts",
        Expected("39 cts", 39.0, kind="money", unit="cents", measure="Shr"),
    ),
    (
        "NOTE: Results include a gain of 848,600 dlrs or 20 cts shr.",
        Expected("20 cts shr", 20.0, kind="money", unit="cents per share"),
    ),
    (
        "It earned 1.53 dlrs per share.",
        Expected("1.53 dlrs per share", 1.53, kind="money", unit="USD per share"),
    ),
    # changes and ranges
    ("The index was down 3.2 pct on the week.", Expected("down 3.2 pct", 3.2, kind="percent", unit="%", sign=-1)),
    ("Shares were up 1/2 at 22.", Expected("up 1/2", 0.5, sign=1)),
    (
        "Prices were 1,750 to 1,780 dlrs per tonne.",
        Expected("1,750 to 1,780 dlrs per tonne", 1750.0, 1780.0, kind="money", unit="USD per tonne"),
    ),
    ("Output will be 8 to 10 pct higher.", Expected("8 to 10 pct", 8.0, 10.0, kind="percent", unit="%")),
    # the wire's hyphenated compounds
    ("Talvera cancelled a 40-mln dlr order for pumps.",
     Expected("40-mln dlr", 4e7, kind="money", unit="USD", scale="million")),
    ("The bank arranged a 350-mln-dlr loan.",
     Expected("350-mln-dlr", 3.5e8, kind="money", unit="USD", scale="million")),
    ("Osprey bought a 10-pct stake in the mill.", Expected("10-pct", 10.0, kind="percent", unit="%")),
    ("Nine mths\n    Shr 57 cts vs 28 cts", Expected("Nine mths", 9.0, kind="duration", unit="months")),
    ("ALVERA INC <ALVA> 4TH QTR DEC 28 NET", Expected("DEC 28", 1228.0, kind="date", unit="mmdd")),
    # a range of days in one month is one date, not a date and a count
    ("Car sales for the March 11-20 period fell 62 pct.",
     Expected("March 11-20", 311.0, 320.0, kind="date", unit="mmdd")),
    ("Domestic sales for March 1 through 20 declined 60 pct.",
     Expected("March 1 through 20", 301.0, 320.0, kind="date", unit="mmdd")),
    ("The talks of March 3-4, 1987 ended.",
     Expected("March 3-4, 1987", 19870303.0, 19870304.0, kind="date", unit="yyyymmdd")),
    # a day spelled out, before a year or at the end of its line
    ("The warrants may be exercised from March one, 1988 at 10 dlrs.",
     Expected("March one, 1988", 19880301.0, kind="date", unit="yyyymmdd")),
    ("Qtr ends March One\n    Shr 10 cts vs eight cts", Expected("March One", 301.0, kind="date", unit="mmdd")),
]


@pytest.mark.parametrize(("sentence", "expected"), SEED_CASES + SYNTHETIC_CASES + WIRE_CASES)
def test_figure(sentence: str, expected: Expected) -> None:
    assert observed(figure_with_text(sentence, expected.text)) == expected


# Sentence -> texts of every figure in it: traps that must not be figures, and their neighbours.
ALL_FIGURES_CASES = [
    ("COVID-19 cases rose.", []),
    ("F-16 jets flew over.", []),
    ("G7 leaders met before the G-20 summit.", []),
    ("MH17 was shot down.", []),
    ("A Boeing 737 and an A320 landed.", []),
    ("He drove a 4x4 vehicle.", []),
    ("Version 1.2.3 was released.", []),
    ("Call 0300-1234567 now.", []),
    ("A 24/7 service at 10:30 since 9/11.", []),
    ("He ran 100m.", []),
    ("It was one of the deadliest days of violence.", []),
    ("One of the attackers escaped.", []),
    ("Saturday's offensive came a day after a series of raids.", []),
    ("Several people, many residents and a few officials spoke.", []),
    ("No one spoke to one another.", []),
    ("It looks like one trying to provoke a response.", []),
    ("Two-thirds of voters agreed.", []),
    ("He scores goals.", []),
    ("In one disturbing clip, the group spoke.", ["one"]),
    # identifiers, tickers, codes, versions and dates are not counts
    ("UNITED FOODS <UFD> SETS PAYOUT", []),
    ("The encoding follows RFC 3548 and runs on Python 3.", []),
    ("Members of Local 998 voted; PL 480 funds were cut.", []),
    ("It filed a Form 10-K with the 1986/87 accounts.", []),
    ("The DC-10 flew from gate 12.", []),
    ("They set up 3 plants.", ["3"]),
    ("Net 1,986 vs 1,985", ["1,986", "1,985"]),
    ("The 1986 crop and 1987 exports", ["1986", "1987"]),
    ("Prices rose from 30 to 40 percent.", ["30", "40 percent"]),
    ("The rate rose on March 11 to 20 pct in the week.", ["March 11", "20 pct"]),
    ("In March one company closed and two opened.", ["one", "two"]),
    ("The strike ran from March 11 to 9 April last year.", ["March 11", "9 April"]),
    ("Since 1947 and in 2021 the region changed.", ["1947", "2021"]),
    (
        "At least 17 security personnel died within 40 hours, on February 2.",
        ["At least 17", "40 hours", "February 2"],
    ),
]


@pytest.mark.parametrize(("sentence", "texts"), ALL_FIGURES_CASES)
def test_all_figures(sentence: str, texts: list[str]) -> None:
    assert [figure.text for figure in extract_figures(sentence)] == texts


def test_one_of_rule_is_a_table_entry_rescued_by_a_qualifier() -> None:
    assert (r"\b(?P<num>one)\s+of\b", ("one",), True) in NOT_A_FIGURE_RULES
    assert extract_figures("one of the bombers") == []
    assert [f.label for f in extract_figures("at least one of the bombers")] == ["at least one bombers"]


def test_figures_are_sorted_and_labelled() -> None:
    figures = extract_figures("The deaths of at least 31 civilians and 17 security personnel.")
    assert [(f.start, f.end, f.label) for f in figures] == [
        (14, 25, "at least 31 civilians"),
        (40, 42, "17 security personnel"),
    ]


def test_claims_stop_at_the_clause() -> None:
    figures = extract_figures("The BLA claimed to have killed 84 soldiers. The army said 17 soldiers died.")
    assert [(f.text, f.claimed) for f in figures] == [("84", True), ("17", False)]


def test_event_stays_in_its_clause() -> None:
    text = (
        "Insurgents attacked banks, killing at least 17 security personnel. "
        "The assault also resulted in the deaths of at least 31 civilians, with many more injured."
    )
    assert [(f.text, f.counts, f.event) for f in extract_figures(text)] == [
        ("at least 17", "security personnel", "killed"),
        ("at least 31", "civilians", "killed"),
    ]


def test_officials_taken_prisoner_are_never_civilians() -> None:
    for sentence in (
        "claiming to have killed 84 security personnel and taken 18 officials prisoner",
        "they killed 84 security personnel and took 18 security and civilian officials prisoner",
    ):
        officials = figure_with_text(sentence, "18")
        assert officials.event == "captured"
        assert fold_counts(officials.counts) not in ("civilians", "security personnel")


def seed_lines() -> list[tuple[str, int, str]]:
    return [
        (path.name[:3], number, line)
        for path in sorted(SAMPLE.glob("*.txt"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.strip()
    ]


def test_seed_figure_spans_are_exact() -> None:
    figures = [(doc, number, line, f) for doc, number, line in seed_lines() for f in extract_figures(line)]
    assert len(figures) == 61
    for doc, number, line, figure in figures:
        assert line[figure.start : figure.end] == figure.text, (doc, number, figure)
        assert figure.value is not None


FOLD_CASES = [
    ("civilians", "civilians"),
    ("Civilian", "civilians"),
    ("residents", "civilians"),
    ("security service personnel", "security personnel"),
    ("members of the security forces", "security personnel"),
    ("soldier", "security personnel"),
    ("“terrorists”", "militants"),
    ("Baloch insurgents", "militants"),
    ("attackers", "militants"),
    ("gunman", "militants"),
    ("dead", "people"),
    ("individuals", "people"),
    ("officials", "officials"),
    ("official", "officials"),
    ("security and civilian officials", "security and civilian officials"),
    ("civilians and security personnel", "civilians and security personnel"),
    ("cities and towns", "cities and towns"),
    ("city", "cities"),
    ("maritime security official", "maritime security officials"),
    ("police officers", "police officers"),
    (None, None),
]


@pytest.mark.parametrize(("counts", "group"), FOLD_CASES)
def test_fold_counts(counts: str | None, group: str | None) -> None:
    assert fold_counts(counts) == group


def test_merge_folds_extends_moves_and_adds_groups() -> None:
    folds = merge_folds(
        {"militants": ["jihadists"], "police": ["police officers", "policemen"], "civilians": ["soldiers"]}
    )
    assert folds["militants"] == (*DEFAULT_FOLDS["militants"], "jihadists")
    assert "soldiers" not in folds["security personnel"]
    assert DEFAULT_FOLDS["security personnel"][4] == "soldiers"  # the defaults are left alone
    assert [fold_counts(c, folds) for c in ("jihadist", "policemen", "soldiers", "troops")] == [
        "militants", "police", "civilians", "security personnel",
    ]  # fmt: skip
    assert fold_counts("jihadists") == "jihadists"


_PREFILTER_TEXT = st.lists(st.sampled_from(["Eighty", "two", "dozen", "First", "of", "the", "OTHER", "twelfth",
                                            "men", "K", "\u212a", "ſ", "İ", "é", "-", " ", ",", "\n", "€", "5"]),
                           max_size=12).map("".join)


@given(_PREFILTER_TEXT)
@settings(max_examples=400, deadline=None)
def test_prefilter_skips_only_text_without_figures(text: str) -> None:
    """The one-call ASCII path decides as the word-by-word path, and never skips a figure."""
    words = (word.lower() for word in figures._LETTERS_RE.findall(text))
    assert figures._may_hold_figure(text) == (bool(figures._DIGIT_OR_CURRENCY_RE.search(text))
                                              or not figures._FIGURE_WORDS.isdisjoint(words))
    if not figures._may_hold_figure(text):
        assert figures._scan(text) == []


def test_the_four_wire_sentences_of_issue_17() -> None:
    labels = [
        [figure.label for figure in extract_figures(sentence)]
        for sentence in (
            "The company sold 113,275 shares.", "It lost 464,000 subscribers.", "About 100,000 people attended.",
            "a total of 2,000,000 dlrs",
        )
    ]
    assert labels == [["113,275 shares"], ["464,000 subscribers"], ["About 100,000 people"], ["a total of 2,000,000 dlrs"]]


def test_years_are_not_counts_but_grouped_numbers_are() -> None:
    assert [f.kind for f in extract_figures("In 1986 it sold 1,986 cars.")] == ["year", "count"]


_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBERY_TEXT = st.lists(
    st.sampled_from(["1", "17", "545", "000", "2", ",", ".", "-", "/", " ", "\n", "  ", "4", "mln", "dlrs", "pct",
                     "vs", "loss", "profit", "up", "Net", "Shr", "$", "at least", "to", "between", "and", "Feb",
                     "1986", "Python", "a", "x", "%", "th", "\u00a0", "one"]),
    max_size=20,
).map("".join)


@given(st.one_of(_NUMBERY_TEXT, st.text(max_size=40)))
@settings(max_examples=600, deadline=None)
def test_a_figure_never_starts_or_ends_inside_a_number(text: str) -> None:
    numbers = [match.span() for match in _NUMBER_RE.finditer(text)]
    for figure in extract_figures(text):
        assert text[figure.start : figure.end] == figure.text
        for start, end in numbers:
            assert not start < figure.start < end, (text, figure.text)
            assert not start < figure.end < end, (text, figure.text)
