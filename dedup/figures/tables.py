"""The vocabulary of the figure grammar: number words, qualifiers, units, scales, signs, cues, and what is
not a count. The parser (``grammar``, ``context``) holds no word of its own: to support a new word or
form, extend a table here.
"""

from __future__ import annotations

UNIT_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEEN_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TEN_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# Days of a month spelled out ("March one, 1988", "Qtr ends March One").
SPELLED_DAYS = {
    **UNIT_WORDS, **TEEN_WORDS, "twenty": 20, "thirty": 30, "thirty-one": 31,
    **{f"twenty-{word}": 20 + value for word, value in UNIT_WORDS.items()},
}  # fmt: skip

# Spelled numbers as (word class, value); the classes drive NUMBER_WORD_FOLLOWERS.
NUMBER_WORDS: dict[str, tuple[str, float]] = {
    **{word: ("unit", value) for word, value in UNIT_WORDS.items()},
    **{word: ("teen", value) for word, value in TEEN_WORDS.items()},
    **{word: ("ten", value) for word, value in TEN_WORDS.items()},
    "hundred": ("hundred", 100),
    "dozen": ("dozen", 12),
    **{word: ("scale", value) for word, value in SCALE_WORDS.items()},
}
# Which word class may follow which: "twenty-one", "two hundred and five", "a dozen", never "five six".
NUMBER_WORD_FOLLOWERS: dict[str, frozenset[str]] = {
    "start": frozenset({"unit", "teen", "ten"}),
    "article": frozenset({"hundred", "dozen", "scale"}),
    "unit": frozenset({"hundred", "dozen", "scale"}),
    "teen": frozenset({"hundred", "scale"}),
    "ten": frozenset({"unit", "scale"}),
    "hundred": frozenset({"unit", "teen", "ten", "scale"}),
    "scale": frozenset({"unit", "teen", "ten"}),
    "dozen": frozenset(),
}
AND_JOINS_AFTER = frozenset({"hundred", "scale"})  # "two hundred and five", never "thirty and forty"
# An article is a number only before a multiplier: "a dozen", "a hundred", "half a dozen".
ARTICLE_FACTORS = {"a": 1.0, "an": 1.0, "half a": 0.5, "half an": 0.5}

# Vague amounts and the lower bound they stand for; some are amounts only before "of" ("scores of").
VAGUE_AMOUNTS = {
    "dozens": 24.0, "scores": 40.0, "hundreds": 200.0, "thousands": 2000.0,
    "tens of thousands": 20000.0, "hundreds of thousands": 200000.0, "millions": 2e6,
}  # fmt: skip
VAGUE_NEEDING_OF = frozenset({"scores"})

ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100,
}  # fmt: skip

# Raw qualifier -> normalised qualifier.
QUALIFIERS = {
    "at least": "at least", "no fewer than": "at least", "no less than": "at least",
    "more than": "more than", "in excess of": "more than", "upwards of": "more than",
    "over": "over", "nearly": "nearly", "close to": "nearly", "almost": "almost",
    "about": "about", "roughly": "about", "around": "around", "approximately": "approximately",
    "approx.": "approximately", "up to": "up to", "as many as": "up to", "at most": "at most",
    "fewer than": "fewer than", "less than": "less than", "some": "some", "a total of": "a total of",
    "an estimated": "an estimated",
}  # fmt: skip

CURRENCY_PREFIXES = {
    "US$": "USD", "$": "USD", "USD": "USD", "£": "GBP", "GBP": "GBP", "€": "EUR", "EUR": "EUR",
    "₹": "INR", "INR": "INR", "PKR": "PKR", "Rs.": "RS", "Rs": "RS",
}  # fmt: skip
CURRENCY_WORDS = {
    "us dollars": "USD", "dollars": "USD", "euros": "EUR", "pounds sterling": "GBP", "rupees": "RS",
    # the wire's abbreviations and the currencies it quotes
    "dlrs": "USD", "dlr": "USD", "dollar": "USD", "u.s. dlrs": "USD", "cts": "cents", "cents": "cents",
    "ct": "cents", "stg": "GBP", "sterling": "GBP", "pence": "pence", "yen": "JPY", "marks": "DEM",
    "mark": "DEM", "francs": "francs", "franc": "francs", "guilders": "NLG", "guilder": "NLG",
    "crowns": "crowns", "crown": "crowns", "lire": "ITL", "lira": "ITL", "pesos": "pesos", "peso": "pesos",
    "rand": "ZAR", "ringgit": "MYR", "won": "KRW", "yuan": "CNY", "riyals": "riyals", "cruzados": "BRC",
    "australian dlrs": "AUD", "canadian dlrs": "CAD", "hong kong dlrs": "HKD", "new zealand dlrs": "NZD",
    "singapore dlrs": "SGD", "swiss francs": "CHF", "french francs": "FRF", "belgian francs": "BEF",
    "ecus": "ECU", "sdrs": "SDR",
}  # fmt: skip
# A money or percent figure quoted per something: "1.53 dlrs per share", "20 cts shr", "0.10 pct per year".
PER_WORDS = ("per", "a", "an")
PER_UNITS = {
    "share": "share", "shr": "share", "tonne": "tonne", "ton": "tonne", "barrel": "barrel", "ounce": "ounce",
    "bushel": "bushel", "lb": "lb", "pound": "lb", "kilo": "kilo", "acre": "acre", "hectare": "hectare",
    "year": "year", "annum": "year", "month": "month", "day": "day", "hour": "hour", "unit": "unit",
}  # fmt: skip
ATTACHED_PER_UNITS = frozenset({"shr"})  # "20 cts shr": no "per" needed

SCALE_SUFFIXES = {
    **SCALE_WORDS, "crore": 1e7, "lakh": 1e5, "bn": 1e9, "mn": 1e6, "m": 1e6, "k": 1e3,
    "mln": 1e6, "bln": 1e9, "billions": 1e9, "millions": 1e6, "thousands": 1e3,
}  # fmt: skip
# How a scale is named in a diff ("mln -> bln" is a scale change): the written forms of one scale agree.
SCALE_NAMES = {1e3: "thousand", 1e5: "lakh", 1e6: "million", 1e7: "crore", 1e9: "billion", 1e12: "trillion"}
ATTACHED_SCALES = frozenset({"bn", "mn", "m", "k"})  # written without a space: "€1.2bn", "$3.5m"
MONEY_ONLY_SCALES = frozenset({"m", "k"})  # "100m" is a distance, "$100m" is money

TIME_UNITS = {
    "second": "seconds", "seconds": "seconds", "minute": "minutes", "minutes": "minutes",
    "hour": "hours", "hours": "hours", "day": "days", "days": "days", "week": "weeks",
    "weeks": "weeks", "month": "months", "months": "months", "year": "years", "years": "years",
    "decade": "decades", "decades": "decades", "century": "centuries", "centuries": "centuries",
    "mth": "months", "mths": "months", "mos": "months", "wks": "weeks", "yrs": "years",  # a results table's periods
}  # fmt: skip
AGE_UNITS = {"year": "years", "years": "years", "month": "months", "months": "months"}
PERCENT_UNITS = {"%": "%", "percent": "%", "per cent": "%", "pct": "%", "pct.": "%"}

# Mixed numbers and fractions as the wire quotes prices and rates: "17-1/4", "101-3/32", "1/2". Only
# these denominators make a fraction ("24/7", "9/11" are names), and the numerator must be smaller.
FRACTION_DENOMINATORS = frozenset({2, 3, 4, 8, 16, 32, 64})

# Signs: the word before a figure that says which way it goes ("Shr loss 1.59 dlrs vs profit 61 cts",
# "up 1/2", "down 3 pct"). (polarity, whether any figure takes it): "up"/"down" only sign a change
# (percent, money, fractions), so "set up 3 plants" stays a count.
SIGN_WORDS: dict[str, tuple[int, bool]] = {
    "loss": (-1, True), "losses": (-1, True), "loss of": (-1, True), "losses of": (-1, True),
    "profit": (1, True), "profits": (1, True), "profit of": (1, True), "profits of": (1, True),
    "up": (1, False), "down": (-1, False),
}  # fmt: skip
# "X to Y" after these words is a change, not a range: "rose from 30 to 40", "was up 1/2 to 17-1/4".
CHANGE_WORDS = (
    "from", "rose", "rise", "rises", "rising", "fell", "fall", "falls", "falling", "up", "down", "gained",
    "gains", "lost", "loses", "eased", "eases", "dropped", "drops", "climbed", "climbs", "jumped", "jumps",
    "slipped", "slips", "declined", "declines", "increased", "increases", "decreased", "decreases",
    "advanced", "advances", "added", "firmed", "raised", "raises", "cut", "cuts", "lowered", "lowers",
    "widened", "narrowed", "plunged", "soared", "slid", "off",
)  # fmt: skip
# The right side of a comparison: "Net 1,545,160 vs 2,188,933" (the year before), "5.93 mln against 5.81".
COMPARISON_WORDS = ("vs", "vs.", "versus", "against")
# Results lines ("Shr loss 1.59 dlrs vs profit 61 cts", "Avg shrs 5,012,000"): a line that starts with
# a short label of these words, then figures. The label is what the figures measure.
RESULTS_LABEL_WORDS = frozenset({
    "net", "shr", "shrs", "revs", "rev", "sales", "avg", "oper", "turnover", "pretax", "tax", "assets",
    "deposits", "loans", "backlog", "div", "qtly", "final", "int", "interim", "dividend", "diluted",
    "primary", "group", "income", "earnings", "operating", "gross", "profit", "loss", "shares", "per",
    "share", "extraordinary", "credit", "debit", "minority", "minorities", "interest", "interests",
    "payable", "other", "trading", "cash", "flow", "after", "fully", "parent", "company", "bank",
    "premiums", "investment", "revenues",
    "revenue", "billings", "orders", "funds", "loans", "equity", "reserves", "provisions",
})  # fmt: skip
MAX_RESULTS_LABEL_WORDS = 4
# One measure under the wire's names for it: a table re-sent with "Revs" for "Sales" changed a word, not a figure.
MEASURE_FOLDS = {"revs": "revenue", "rev": "revenue", "revenues": "revenue", "sales": "revenue",
                 "turnover": "revenue", "shrs": "shares"}

MONTHS = {
    "January": 1, "Jan": 1, "February": 2, "Feb": 2, "March": 3, "Mar": 3, "April": 4, "Apr": 4,
    "May": 5, "June": 6, "Jun": 6, "July": 7, "Jul": 7, "August": 8, "Aug": 8, "September": 9,
    "Sept": 9, "Sep": 9, "October": 10, "Oct": 10, "November": 11, "Nov": 11, "December": 12, "Dec": 12,
}  # fmt: skip
YEAR_RANGE = (1800, 2100)  # a bare unqualified four-digit number in this range is a year

# Numbers that name things rather than amounts: "Boeing 737", "Article 370".
IDENTIFIER_PREFIX_WORDS = frozenset({
    "boeing", "airbus", "flight", "version", "model", "windows", "iphone", "galaxy", "article",
    "section", "chapter", "resolution", "route", "highway", "room", "page", "volume", "no",
    # codes, standards, versions and names of the wire and of software: "RFC 3548", "Python 3",
    # "Local 998" (a union), "PL 480" (a law), "Form 10-K", "Rule 415"
    "rfc", "iso", "python", "java", "perl", "ruby", "linux", "release", "local", "pl", "law", "form",
    "rule", "item", "annex", "exhibit", "schedule", "class", "series", "grade", "channel", "apollo",
    "interstate", "gate", "pier", "berth", "platform", "track", "box", "suite", "zone", "district",
    "precinct", "ward", "cusip", "isin", "code", "vax", "cray",
})  # fmt: skip
ALWAYS_IDENTIFIER_MARKS = "+#"  # "+92 300", "#5"
JOINED_IDENTIFIER_MARKS = "-/:."  # "COVID-19", "F-16", "24/7", "10:30", "1.2.3" (between alphanumerics)
MAX_PLAIN_DIGITS = 6  # longer unseparated digit runs are phone numbers and ids (grouped numbers have no limit)
# Characters that group thousands inside a number where the text's convention shows it ("2 000 000"):
# a thin or no-break space always, a plain space only in a number of three groups or more.
SPACE_GROUP_MARKS = "\u00a0\u202f\u2009"

# "one" is often not an amount. (pattern, literals, whether a qualifier makes it one again): the
# pattern's group "num" marks the number it disqualifies; the rule only runs on text holding one of
# the lower-case literals.
NOT_A_FIGURE_RULES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    (r"\b(?P<num>one)\s+of\b", ("one",), True),  # "one of the deadliest days", but "at least one of the bombers"
    (r"\b(?P<num>one)\s+(?:another|by\s+one)\b", ("one",), False),
    (r"\bno[\s-](?P<num>one)\b", ("one",), False),
    (r"\b(?:the|this|that|like|any|every|each|which)\s+(?P<num>one)\b", ("one",), False),  # "like one trying"
    (r"\b(?P<num>one)-(?:sided|off|time|way)\b", ("one-",), False),
    (r"\b(?P<num>[a-z]+)-(?:halves|thirds?|quarters?|fifths?|tenths?)\b",
     ("-halves", "-third", "-quarter", "-fifth", "-tenth"), False),  # fractions: "two-thirds"
)

# What happened to what is counted, as cues before the figure ("killing 17 ...", "the deaths of 31 ...")
# and after its noun phrase ("... were killed", "... taken prisoner"). Values are regex fragments.
EVENT_CUES_BEFORE: dict[str, tuple[str, ...]] = {
    "killed": (
        r"kill(?:s|ed|ing)?", r"killings?", r"deaths?", r"(?:death\s+)?tolls?", r"lives",
        r"eliminat(?:e|es|ed|ing|ion)", r"neutrali[sz](?:e|es|ed|ing|ation)", r"massacr(?:e|ed|ing)",
    ),
    "injured": (r"injur(?:e|es|ed|ing|ies)", r"wound(?:s|ed|ing)?", r"hurt(?:ing)?"),
    "arrested": (r"arrest(?:s|ed|ing)?", r"detain(?:s|ed|ing)?"),
    "captured": (r"captur(?:e|es|ed|ing)", r"abduct(?:s|ed|ing|ion)?", r"kidnap(?:s|ped|ping)?"),
    "freed": (r"free(?:s|d|ing)?", r"releas(?:e|es|ed|ing)", r"rescu(?:e|es|ed|ing)"),
}  # fmt: skip
EVENT_CUES_AFTER: dict[str, tuple[str, ...]] = {
    "killed": (r"killed", r"dead", r"died", r"perished", r"slain", r"los(?:e|t|ing)\s+their\s+lives"),
    "injured": (r"injured", r"wounded", r"hurt"),
    "arrested": (r"arrested", r"detained"),
    "captured": (
        r"captured", r"abducted", r"kidnapped", r"taken\s+(?:prisoner|hostage)s?", r"held\s+hostages?",
        r"prisoners?", r"hostages?",
    ),
    "freed": (r"freed", r"released", r"rescued"),
    "missing": (r"missing", r"unaccounted\s+for"),
}  # fmt: skip
# Words allowed between a before-cue and the figure ("the deaths of", "killed another", "toll rose to").
CUE_FILLER_WORDS = (
    "the", "of", "a", "an", "to", "have", "has", "had", "been", "all", "another", "additional",
    "at", "rose", "reached", "stood", "stands", "climbed",
)  # fmt: skip
# Words allowed between the counted noun phrase and an after-cue ("were also killed").
CUE_AUXILIARY_WORDS = (
    "were", "was", "are", "is", "have", "has", "had", "been", "being", "be", "also", "reportedly",
    "all", "later", "now", "feared", "believed", "confirmed",
)  # fmt: skip
BEFORE_CUE_WINDOW = 80  # characters searched before a figure for its before-cue
# What a bare "31 killed" / "death toll of 31" counts.
BARE_EVENT_COUNTS = {
    "killed": "dead", "injured": "injured", "missing": "missing",
    "arrested": "arrested", "captured": "captured", "freed": "freed",
}  # fmt: skip

# A figure is a claim when one of these precedes it in its clause ("claiming to have killed 84").
# "claimed responsibility" and "claiming the lives of" are not claim cues.
CLAIM_CUES = (r"claim(?:s|ed|ing)?\s+(?:to\s+have|that)", r"assert(?:s|ed|ing)?", r"alleg(?:e|es|ed|ing)")
CLAIM_SCOPE_BREAKS = (
    r"[.!?;](?=\s|$)", r"\bbut\b", r"\bwhile\b", r"\bwhereas\b", r"\balthough\b", r"\bhowever\b",
)  # fmt: skip

# The noun phrase a figure counts: words up to and including its (plural) head noun.
COUNT_STOP_WORDS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "its", "their", "his", "her", "our", "my",
    "your", "it", "they", "them", "we", "he", "she", "who", "whom", "which", "whose", "what",
    "where", "when", "there", "here", "in", "on", "at", "of", "to", "for", "with", "within",
    "without", "over", "under", "from", "by", "into", "onto", "across", "during", "after",
    "before", "since", "until", "including", "near", "among", "against", "per", "as", "than",
    "through", "throughout", "between", "around", "about", "along", "amid", "despite", "towards",
    "toward", "via", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "do",
    "does", "did", "will", "would", "could", "can", "may", "might", "should", "must", "said",
    "says", "say", "but", "nor", "so", "yet", "if", "because", "although", "though", "whereas",
    "while", "also", "reportedly", "allegedly", "still", "now", "then", "already", "only", "just",
    "even", "not", "all", "both", "each",
})  # fmt: skip
COUNT_CONJUNCTIONS = frozenset({"and", "or"})
OF_DETERMINERS = frozenset({"the", "these", "those", "its", "their", "his", "her", "our"})  # "one of the ..."
PARTITIVE_HEADS = frozenset({"members", "units", "families", "relatives"})  # "members of the security forces"
PLURAL_WORDS = frozenset({
    "people", "personnel", "police", "staff", "crew", "children", "cattle", "clergy", "dead", "injured",
    "wounded", "missing",
})  # fmt: skip
MAX_COUNT_WORDS = 6
MAX_COORDINATED_WORDS = 3  # "cities and towns", "civilians and security personnel"

# Canonical group -> phrases that count the same people. Phrases are compared after normalisation
# (lower case, plural head), so "soldier" matches "soldiers".
DEFAULT_FOLDS: dict[str, tuple[str, ...]] = {
    "militants": (
        "militants", "insurgents", "attackers", "terrorists", "rebels", "fighters", "gunmen", "separatists",
    ),
    "security personnel": (
        "security personnel", "security service personnel", "security force personnel", "security forces",
        "soldiers", "troops", "servicemen", "members of the security forces",
    ),
    "civilians": ("civilians", "residents"),
    "people": (
        "people", "persons", "individuals", "victims", "lives", "dead", "deaths", "injured", "missing",
        "arrested", "captured", "freed",
    ),
}  # fmt: skip
PLURAL_RULES = (  # singular head -> plural, first match wins
    (r"man$", "men"), (r"person$", "people"), (r"child$", "children"), (r"([^aeiou])y$", r"\1ies"),
    (r"(s|x|z|ch|sh)$", r"\1es"), (r"$", "s"),
)  # fmt: skip

