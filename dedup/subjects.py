"""What a story is about, as its opening names it: the tickers of its company, the words of its headline and
the name its lead opens with.

Three uses, one reading. A correction's original is sought among the stories that share a **subject key** with
it (:mod:`dedup.corrections`): a ticker or name in angle brackets in the opening (``<MEL>``, ``<AMERICAN
VARIETY INTERNATIONAL INC>``), or a pair of adjacent headline words found in few headlines (``federal
paper``, ``1987 growth``). A **version** (an update or correction) is of one story, so of one company
(:func:`one_company`): two stories of a template that name other companies by their tickers
(``INTELLICARD <ICRDC> GETS NASDAQ EXCEPTION`` and ``AMERICAN ADVENTURE <GOAAQ> HAS NASDAQ EXCEPTION``) share
a template, not a story: they are at most reuse. Headline words alone do not decide it: a story rewritten
under a new headline ("BRAZILIAN INFLATION LOWER IN FEBRUARY", "BRAZILIAN MONTHLY INFLATION DIPS SLIGHTLY")
often shares none a few stories use. And two stories about **other subjects** (:func:`other_subjects`: each
lead names its own, neither story mentions the other's, by the word of its name fewest documents hold) are
not related at all (:mod:`dedup.evidence`): two issuers' eurobonds share their fee clause, not news.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from dedup.dateline import DATELINE

OPENING_CHARS = 400  # headline and lead, where a story names its subject's ticker
CORRECTION_MARKER = re.compile(r"\bcorrect(?:ed|s)\b|^\W*correction\b", re.IGNORECASE)
_TICKER = re.compile(r"<([^<>\n]{1,60})>")
_CODE = re.compile(r"<[^<>\s]{1,12}>")  # a ticker proper, one token: a bracketed name is words of the headline
_WORD = re.compile(r"[a-z0-9]+(?:[.&'-][a-z0-9]+)*")


def headline(text: str) -> str:
    """A story's first line."""
    return text.lstrip().split("\n", 1)[0]


@dataclass(frozen=True, slots=True)
class SubjectKeys:
    """What names a story's subject: the tickers of its opening and the pairs of adjacent headline words."""

    tickers: frozenset[str]
    pairs: frozenset[str]

    def all(self) -> frozenset[str]:
        return self.tickers | self.pairs

    def codes(self) -> frozenset[str]:
        """The tickers proper (one token each), not the names written in brackets."""
        return frozenset(ticker for ticker in self.tickers if " " not in ticker)


def subject_keys(text: str) -> SubjectKeys:
    """The subject keys of a story (tickers as ``<ticker>``, lower case; headline word pairs, a name in
    brackets included, without a correction's own words)."""
    tickers = frozenset(f"<{found.strip().lower()}>" for found in _TICKER.findall(text[:OPENING_CHARS]))
    words = [word for word in _WORD.findall(_CODE.sub(" ", headline(text)).lower())
             if not CORRECTION_MARKER.fullmatch(word)]
    return SubjectKeys(tickers, frozenset(f"{a} {b}" for a, b in zip(words, words[1:])))


def naming_keys(keys: SubjectKeys, holding: Callable[[str], int], limit: int) -> frozenset[str]:
    """The keys that name a subject: every ticker, and the headline word pairs in at most ``limit`` headlines
    (``holding(pair)``: how many headlines hold it)."""
    return keys.tickers | frozenset(pair for pair in keys.pairs if holding(pair) <= limit)


def headlines_holding(keys: Sequence[SubjectKeys]) -> Counter[str]:
    """How many of the stories hold each headline word pair."""
    return Counter(pair for key in keys for pair in key.pairs)


def other_companies(first: SubjectKeys, other: SubjectKeys) -> bool:
    """Whether ``first`` names its company in brackets (a ticker or a name) as ``other`` does not, even misspelt
    by a letter (``<FBO>`` for ``<FBT>``)."""
    return bool(first.tickers) and not any(_one_edit_apart(a, b) for a in first.tickers for b in other.tickers)


def _one_edit_apart(first: str, other: str) -> bool:
    """Equal, or one letter replaced, added or dropped, or two adjacent letters swapped (``<TXLN>``): a
    ticker misspelt once."""
    if first == other:
        return True
    if abs(len(first) - len(other)) > 1:
        return False
    if len(first) == len(other):
        differ = [k for k, (a, b) in enumerate(zip(first, other)) if a != b]
        if len(differ) == 2 and differ[1] == differ[0] + 1 and first[differ[0]] == other[differ[1]] \
                and first[differ[1]] == other[differ[0]]:
            return True
    shorter, longer = sorted((first, other), key=len)
    start = next((k for k, (a, b) in enumerate(zip(shorter, longer)) if a != b), len(shorter))
    return shorter[start + (len(shorter) == len(longer)):] == longer[start + 1:]


def one_company(first: SubjectKeys, other: SubjectKeys) -> bool:
    """Whether two stories may be versions of one story as their tickers say: when both name their company by
    a ticker proper, one is the other's, or a letter apart. Two companies' stories of one template (contract
    awards, NASDAQ exceptions, dividends, debt offerings) are not versions, however alike."""
    codes, others = first.codes(), other.codes()
    return not (codes and others) or any(_one_edit_apart(a, b) for a in codes for b in others)


STEM_CHARS = 5  # "Brazil" and "Brazilian", "Britain" and "British": one stem
ACRONYM_LETTERS = 3
_NAME_TOKEN = re.compile(r"<?[A-Z][\w.&'\"\u2019/-]*>?")
_POSSESSIVE = re.compile(r"(?:['\"\u2019]s|s['\u2019])$")
_JOINING = frozenset({"of", "for", "and", "de", "du", "des", "la", "le", "van", "von", "der", "del", "&"})
# Words of a name that name no one in particular: an article, a country's prefix, a kind of company.
_GENERIC = frozenset({
    "the", "u.s", "u.k", "new", "west", "east", "north", "south", "first", "general", "national", "american",
    "international", "inc", "corp", "co", "ltd", "plc", "llc", "ag", "nv", "sa", "bv", "ab", "spa", "cos",
    "corporation", "company", "companies", "group", "holdings", "holding", "industries", "bank", "banks",
    "financial", "finance", "trust", "fund", "partners", "association", "services", "capital", "securities",
    "investment", "investments", "resources", "systems", "credit", "said",
})
# The style a lead writes a company's name in (Arco Seed Co), and an acronym it defines ("(SNCF)").
_COMPANY = frozenset({"inc", "corp", "co", "ltd", "plc", "ag", "nv", "sa", "spa", "a/s", "ab", "bv", "gmbh",
                      "group", "cos", "llc"})
_DEFINED_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9&]{2,7})\)")
_STEM_WORD = re.compile(r"[a-z][a-z0-9]*")
_PARTS = re.compile(r"[-/]")


@dataclass(frozen=True)
class Lead:
    """Whom a story is about, as its lead names it: ``names``, the stems of the name the lead opens with that
    the headline repeats; ``key``, the stem of the name's word that fewest documents hold (:func:`keyed`),
    None until known; and :attr:`stems`, the stems of every word the story writes (whom else it mentions),
    read only when a pair needs them."""

    names: frozenset[str]
    text: str = field(repr=False)
    key: str | None = None

    @cached_property
    def stems(self) -> frozenset[str]:
        return _stems(self.text)

    def mentioned_in(self, story: Lead) -> bool:
        """Whether ``story`` names this subject: writes its key word ("Finland", not "Union", names Union
        Bank of Finland; "Caesars" names Caesars World), or, the key unknown, any word of its name."""
        return self.key in story.stems if self.key else bool(self.names & story.stems)


def lead_subject(text: str) -> Lead | None:
    """The subject a wire story's lead opens with ("LONDON, March 18 - Christiania Bank og Kreditkasse is
    issuing ...") when its headline repeats it; else the name its headline opens with, or writes before its
    ticker, as the lead writes it ("ARCO SELLS ..." over "... its Arco Seed Co unit"; "THUNANDER CORP <THDR>
    YEAR NET"); None for a story that names neither."""
    names = _lead_names(text) or _headline_names(text)
    return Lead(names, text) if names else None


def keyed(leads: Mapping[int, Lead | None], held_by: Callable[[list[str]], Sequence[int]]) -> dict[int, Lead | None]:
    """``leads`` with their keys: of each name's words, the one fewest documents hold (``held_by(words)``:
    how many documents hold each word). A lead manager's name ("Union Bank of Switzerland") shares a common
    word with an issuer's ("Union Bank of Finland"), not its key."""
    words = {doc: _name_words(lead) for doc, lead in leads.items() if lead is not None and len(lead.names) > 1}
    asked = sorted({word for found in words.values() for word in found.values()})
    counts = dict(zip(asked, held_by(asked))) if asked else {}

    def key(doc: int, lead: Lead) -> str:
        if doc not in words:  # a one-word name is its own key
            return next(iter(lead.names))
        return min(sorted(lead.names), key=lambda stem: counts[words[doc][stem]])

    return {doc: lead if lead is None else replace(lead, key=key(doc, lead)) for doc, lead in leads.items()}


def other_subjects(first: Lead | None, other: Lead | None) -> bool:
    """Whether two stories are about other subjects: each names its own, and neither mentions the other's.
    What they share is then a template's or a stock clause's wording (a eurobond's fee terms, "cash will be
    paid in lieu of fractional shares"): a story that reuses another's news names whom the news is about."""
    return (first is not None and other is not None
            and not first.mentioned_in(other) and not other.mentioned_in(first))


def _name_words(lead: Lead) -> dict[str, str]:
    """Each stem of a subject's name with the first word of its story's opening (its headline and lead, where
    the name was read) that the stem begins: the word a document frequency is known for."""
    words: dict[str, str] = {}
    for word in _STEM_WORD.findall(lead.text[:3 * OPENING_CHARS].lower()):
        if len(word) >= 3 and word[:STEM_CHARS] in lead.names:
            words.setdefault(word[:STEM_CHARS], word)
    return {stem: words.get(stem, stem) for stem in lead.names}


def _lead_names(text: str) -> frozenset[str]:
    """The stems of the name a lead opens with, after its dateline, that the headline repeats or abbreviates."""
    dateline = DATELINE.search(text[:OPENING_CHARS])
    if dateline is None:
        return frozenset()
    run: list[str] = []
    for token in text[dateline.end():dateline.end() + OPENING_CHARS].split():
        bare = token.strip(",.;:()\"'")
        if _NAME_TOKEN.fullmatch(bare):
            run.append(_POSSESSIVE.sub("", bare.strip("<>")))
            if _POSSESSIVE.search(bare) or bare.endswith(">"):
                break
        elif run and bare in _JOINING:
            continue
        else:
            break
    repeated = _stems(headline(text))
    firsts = (_PARTS.split(word, 1)[0] for word in run)  # "Saab-Scania" is named by "saab"
    names = frozenset(stem for stem in map(_stem, firsts) if stem and stem in repeated)
    initials = "".join(word[0] for word in run if word.lower() != "the").lower()
    if len(initials) >= ACRONYM_LETTERS and initials[:STEM_CHARS] in repeated:  # "GECC" for General Electric Credit Corp
        names |= {initials[:STEM_CHARS], *filter(None, map(_stem, run))}
    return names


def _headline_names(text: str) -> frozenset[str]:
    """The stems of the name a headline writes before its first ticker ("HAS 5.4 PCT OF", words the lead
    writes in lower case, name no one), or, in a story with a dateline, opens with when its lead writes it
    as a company's or defines it as an acronym (``ARCO SELLS ...`` over ``... its Arco Seed Co unit``), or
    writes in brackets (``<BACHELOR LAKE GOLD MINES INC> YEAR LOSS``). A person the headline opens with is
    not a subject here: what a minister or an official said is restated in stories about others."""
    line = headline(text)
    ticker = _CODE.search(line)
    if ticker is not None:
        lead = text.lstrip()[len(line):len(line) + OPENING_CHARS]
        common = _stems(" ".join(token for token in lead.split() if token[:1].islower()))
        return frozenset(stem for stem in map(_stem, line[:ticker.start()].split()) if stem and stem not in common)
    dateline = DATELINE.search(text[:OPENING_CHARS])
    if dateline is None:
        return frozenset()
    written = _written_names(text[dateline.end():dateline.end() + OPENING_CHARS])
    bracketed = line.startswith("<")
    names: set[str] = set()
    for word in line.split():
        stem = _stem(_PARTS.split(word.strip("<"), 1)[0])
        if stem is not None and (bracketed or stem in written):
            names.add(stem)
        elif stem is not None or word.endswith(">"):
            break
    return frozenset(names)


def _written_names(text: str) -> frozenset[str]:
    """The stems of the names ``text`` writes in a company's style: capitalised words, where a sentence
    does not start, ending in Plc, Co, Inc or the like; and the acronyms it defines ("the Ste Nationale des
    Chemins de Fer Francaise (SNCF)")."""
    names: set[str] = set(filter(None, map(_stem, _DEFINED_ACRONYM.findall(text))))
    run: list[str] = []
    tokens = text.split()
    for before, token in zip(["."] + tokens, tokens):
        bare = token.strip(",.;:()\"'<>")
        if token.lstrip("<(\"'")[:1].isupper() and not before.endswith((".", "-", ":")):
            run.append(bare)
            if bare.lower() in _COMPANY:
                names |= set(filter(None, (_stem(_PARTS.split(word, 1)[0]) for word in run)))
                run = []
        else:
            run = []
    return frozenset(names)


def _stem(word: str) -> str | None:
    """The stem of a word of a name, comparable with :func:`_stems` of a text ("B.F." or "Int'l", which no
    text's words spell, name nothing)."""
    bare = _POSSESSIVE.sub("", word.strip(",.;:()<>\"'")).lower()
    if len(bare) < 3 or bare in _GENERIC or bare in _JOINING or not _STEM_WORD.fullmatch(bare):
        return None
    return bare[:STEM_CHARS]


def _stems(text: str) -> frozenset[str]:
    return frozenset(word[:STEM_CHARS] for word in _STEM_WORD.findall(text.lower()) if len(word) >= 3)
