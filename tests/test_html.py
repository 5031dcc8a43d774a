"""The HTML report: what a reader must find in it, escaping of untrusted text, and a real browser load."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from dedup import scan
from dedup.model import Relation
from dedup.pipeline import compare
from dedup.report import render_html as render_html_module
from dedup.report.render_html import heat_map_documents, render_comparison_html, render_html
from tests.browser import layout, png_size, screenshot
from tests.conftest import SAMPLE, seed
from tests.report_relations import wire_report

VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, selector: str) -> list[Node]:
        """Descendants matching one simple selector: ``tag``, ``#id``, ``.class`` or ``tag.class``."""
        parts = re.fullmatch(r"([\w-]*)(?:#([\w-]+))?(?:\.([\w-]+))?", selector)
        assert parts is not None, selector
        tag, ident, cls = parts.groups()
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if ((not tag or child.tag == tag) and (ident is None or child.attrs.get("id") == ident)
                    and (cls is None or cls in child.classes)):
                found.append(child)
            found += child.find_all(selector)
        return found

    def find(self, selector: str) -> Node:
        found = self.find_all(selector)
        assert len(found) == 1, f"{selector}: {len(found)} elements"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    """The document tree; fails on mis-nested tags, so every test also checks the markup is well formed."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed tags"
    return builder.root


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def seed_html(seed_report) -> str:
    return render_html(seed_report)


@pytest.fixture(scope="module")
def page(seed_html) -> Node:
    return parse(seed_html)


def index_of(report, prefix: str) -> int:
    return next(i for i, d in enumerate(report.documents) if d.id == seed(prefix))


def test_summary_counts(page):
    cards = {squash(d.find("dt").text()): squash(d.find("dd").text())
             for d in page.find("#summary").find_all("div")}
    assert cards == {"documents": "5", "exact matches": "12", "near matches": "0", "partial matches": "4",
                     "repeated blocks": "2", "clusters": "16", "figure conflicts": "4", "duplicate relations": "0",
                     "version relations": "0", "reuse relations": "2", "boilerplate": "0"}


def heat(cell: Node) -> int:
    (level,) = [int(c[5:]) for c in cell.classes if c.startswith("heat-")]
    return level


@pytest.fixture(scope="module")
def wire():
    return wire_report()


@pytest.fixture(scope="module")
def wire_page(wire) -> Node:
    return parse(render_html(wire))


def wire_index(report, name: str) -> int:
    return next(i for i, d in enumerate(report.documents) if d.id == name)


def test_relations_table_ranks_and_groups_and_links_to_the_pairs(wire_page, wire):
    table = wire_page.find("table#relations-table")
    groups = table.find_all("tbody.relation-group")
    assert [squash(g.find("tr.group-title").text()) for g in groups[:1]] == [
        "versions of one story: a.txt, b.txt, c.txt"]
    rows = [[squash(td.text()) for td in tr.find_all("td")] for tr in table.find_all("tr.relation")]
    assert rows == [
        ["1", "version", "b.txt ← a.txt", "80% of the copy, 80% of the source", "3",
         "61 cts a share -> 66 cts a share (changed)"],
        ["", "duplicate", "c.txt ← a.txt", "100% of the copy, 100% of the source", "5", "no change"],
        ["2", "reuse", "d.txt ← a.txt", "30% of the copy, 25% of the source", "1", ""],
    ]
    assert "figures-changed" in table.find_all("tr.relation")[0].classes
    a, b = wire_index(wire, "a.txt"), wire_index(wire, "b.txt")
    assert table.find_all("tr.relation")[0].find("a").attrs["href"] == f"#pair-{a}-{b}"
    # the relations open the page: before the heat map, the boilerplate and the pairs
    ids = [n.attrs["id"] for n in wire_page.find_all("section") if "id" in n.attrs]
    assert ids == ["summary", "relations", "overlap", "boilerplate", "conflicts", "pairs", "copied"]


def test_pair_details_are_collapsed_in_rank_order_and_a_version_shows_its_changes(wire_page, wire):
    details = wire_page.find_all("details.pair")
    assert [squash(d.find("h3").text()) for d in details] == [
        "b.txt ← a.txt", "c.txt ← a.txt", "d.txt ← a.txt"]
    assert not [d for d in details if "open" in d.attrs]
    version = details[0]
    (row,) = rows_with(version, "net profit rose to")
    assert {m.text(): m.attrs["title"] for m in row.find("div.b").find_all("mark.figure")} == {
        "66 cts a share": "61 cts a share -> 66 cts a share (changed)"}
    assert squash(version.find("p.unchanged").text()) == "3 passages unchanged."
    assert [squash(li.text()) for li in version.find_all("li.block")] == [
        "b.txt lines 1-9 repeat a.txt lines 1-9 (5 paragraphs, near)"]
    reuse = details[2]
    assert not reuse.find_all("div.pair-row")  # its one exact passage is listed once, under Copied passages
    assert reuse.find("p.unchanged").find("a").attrs["href"] == "#cluster-3"


def test_heat_map_shows_the_related_documents_shares(wire_page, wire):
    rows = wire_page.find("table#overlap-matrix").find("tbody").find_all("tr")
    cells = [row.find_all("td") for row in rows]
    assert [squash(r.find("th").text()) for r in rows] == [f"{i} {d.id}" for i, d in enumerate(wire.documents)]
    a, b, c, d = (wire_index(wire, f"{name}.txt") for name in "abcd")
    # row document reused from column document: 30% of d is from a, 25% of a is in d
    assert [squash(cells[r][k].text()) for r, k in ((b, a), (a, b), (c, a), (d, a), (a, d), (b, c))] == [
        "80%", "80%", "100%", "30%", "25%", ""]
    assert heat(cells[c][a]) == 10 > heat(cells[b][a]) == 8 > heat(cells[d][a]) == 3 > heat(cells[b][c]) == 0
    assert cells[d][a].find("a").attrs["href"] == cells[a][d].find("a").attrs["href"] == f"#pair-{a}-{d}"
    assert all(("diagonal" in cells[i][j].classes) == (i == j) for i in range(4) for j in range(4))


def test_heat_map_of_the_seeds_counts_internal_repeats_on_the_diagonal(page, seed_report):
    rows = page.find("table#overlap-matrix").find("tbody").find_all("tr")
    cells = [row.find_all("td") for row in rows]
    a = index_of(seed_report, "000")
    assert squash(cells[a][a].text()) == "\u21bb 7"
    assert cells[a][a].find("a").attrs["href"] == f"#pair-{a}-{a}"
    ids = {n.attrs["id"] for n in page.find_all("details") if "id" in n.attrs}
    assert {link.attrs["href"][1:] for row in cells for c in row for link in c.find_all("a")} <= ids


def test_heat_map_keeps_the_documents_with_most_reuse_past_its_limit(wire, monkeypatch):
    monkeypatch.setattr(render_html_module, "HEAT_MAP_DOCUMENTS", 3)
    page = parse(render_html(wire))
    rows = page.find("table#overlap-matrix").find("tbody").find_all("tr")
    # a shares with every other (80% + 100% + 25%), c 100%, b 80%; d (30%) is left out
    shown = [wire_index(wire, f"{name}.txt") for name in "abc"]
    assert [squash(r.find("th").text()) for r in rows] == [f"{i} {wire.documents[i].id}" for i in shown]
    header = page.find("table#overlap-matrix").find("thead").find_all("th")
    assert [squash(th.text()) for th in header] == ["", *map(str, shown)]
    assert "Shown: the 3 documents of 4 with the most reuse" in squash(page.find("#overlap").text())


def test_heat_map_documents_ranks_by_reused_share_then_internal_repeats():
    share = {(1, 0): 0.5, (0, 1): 0.0, (2, 3): 0.3, (3, 2): 0.3}
    assert heat_map_documents(5, share, [0, 0, 0, 0, 9], limit=3) == [1, 2, 3]
    assert heat_map_documents(5, share, [0, 0, 0, 0, 9], limit=4) == [1, 2, 3, 4]  # 4 repeats inside, 0 not
    assert heat_map_documents(5, share, [0, 0, 0, 0, 9], limit=5) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(("prefix", "block"), [
    ("000", "lines 9-15 repeat lines 2-8 (7 paragraphs, exact)"),
    ("003", "lines 7-11 repeat lines 2-6 (5 paragraphs, exact)"),
])
def test_internal_repeats_are_shown_as_blocks(page, seed_report, prefix, block):
    i = index_of(seed_report, prefix)
    section = page.find(f"#pair-{i}-{i}")
    assert seed(prefix) in section.find("h3").text()
    assert [squash(li.text()) for li in section.find_all("li.block")] == [block]
    assert not section.find_all("div.pair-row")  # the exact repeats are summed up by the block


def rows_with(root: Node, text: str) -> list[Node]:
    return [row for row in root.find_all("div.pair-row") if text in squash(row.text())]


def assert_roaming_moving(row: Node) -> None:
    left, right = row.find("div.a"), row.find("div.b")
    assert "roaming" in [n.text() for n in left.find_all("del")]
    assert "moving" in [n.text() for n in right.find_all("ins")]
    assert not left.find_all("ins") and not right.find_all("del")
    assert squash(right.text()).endswith("highlighting the brazen nature of the attacks.")


def test_pair_side_by_side_with_changed_wording(page, seed_report):
    a, b = index_of(seed_report, "000"), index_of(seed_report, "001")
    section = page.find(f"#pair-{a}-{b}")
    (row,) = rows_with(section, "Videos shared on social media")
    assert squash(row.find("div.a").find("div.where").text()) == f"{seed('000')} line 4"
    assert squash(row.find("div.b").find("div.where").text()) == f"{seed('001')} line 8"
    assert_roaming_moving(row)


def test_changed_figures_are_marked_inside_the_change(page, seed_report):
    a, b = index_of(seed_report, "000"), index_of(seed_report, "001")
    (row,) = rows_with(page.find(f"#pair-{a}-{b}"), "took 18 security and civilian officials prisoner")
    marks = row.find("div.b").find_all("mark.figure")
    assert {m.text(): m.attrs["title"] for m in marks} == {
        "84": "added 84 security personnel", "18": "added 18 security and civilian officials"}
    assert all(m.find("ins").text() == m.text() for m in marks)  # the added figures are inside the addition
    assert not row.find("div.a").find_all("mark")


def test_civilians_figure_conflict(page):
    conflicts = page.find("table#figure-conflicts").find_all("tbody.conflict")
    (civilians,) = [c for c in conflicts if squash(c.find("th.counts").text()) == "civilians killed"]
    assert [squash(v.text()) for v in civilians.find_all("td.value")] == ["31", "18"]
    rows = civilians.find_all("tr")
    assert seed("000") in [d.text() for d in rows[0].find_all("span.doc")]
    assert seed("003") in [d.text() for d in rows[1].find_all("span.doc")]
    assert "at least 31" in [m.text() for m in rows[0].find_all("mark")]
    assert "18" in [m.text() for m in rows[1].find_all("mark")]


def test_passages_copied_into_many_documents_are_listed_once_with_their_members(wire_page):
    members = [squash(m.text()) for m in wire_page.find("#cluster-3").find_all("span.member")]
    assert members == ["a.txt:7", "b.txt:7", "c.txt:7", "d.txt:5"]
    assert [r.attrs["id"] for r in wire_page.find("#copied").find_all("tr") if "id" in r.attrs] == [
        "cluster-3", "cluster-2", "cluster-4"]


def test_boilerplate_is_listed_with_its_documents_and_examples(wire_page):
    (row,) = wire_page.find("table#boilerplate-table").find("tbody").find_all("tr")
    assert [squash(td.text()) for td in row.find_all("td")] == [
        "ACME MINING SAYS FIRST QUARTER PROFIT ROSE", "57 paragraph", "c.txt:1a.txt:1"]


MARKUP = ('Officials said <script>alert(1)</script> that the <b>bold</b> attack on the "Quetta & Gwadar" '
          "offices killed at least 12 guards and injured many more people in the province on Sunday morning.")


def test_article_markup_is_shown_not_run(tmp_path):
    folder = tmp_path / "markup"
    folder.mkdir()
    (folder / 'a & "b".txt').write_text(f"First report.\n{MARKUP}\n", encoding="utf-8")
    (folder / "<i>c.txt").write_text(f"Second report.\n{MARKUP.replace('12', '14')}\n", encoding="utf-8")
    report = scan(folder)
    assert any(m.scope == "cross" for m in report.matches)
    html = render_html(report)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>alert" not in html and "<b>bold" not in html and "<i>c" not in html
    tree = parse(html)
    assert not tree.find_all("script") and not tree.find_all("i")
    rows = tree.find_all("div.pair-row")  # the version's alignment: the two headings, then the changed line
    assert "only in A" in rows[0].text() and "only in B" in rows[1].text()
    row = rows[2]
    assert "<script>alert(1)</script>" in row.text() and '"Quetta & Gwadar"' in row.text()
    assert sorted(m.text() for m in row.find_all("mark")) == ["at least 12", "at least 14"]


@pytest.fixture(scope="module")
def comparison_html() -> str:
    return render_comparison_html(compare(SAMPLE / seed("000"), SAMPLE / seed("001")))


def test_comparison_page(comparison_html):
    tree = parse(comparison_html)
    rows = tree.find_all("div.pair-row")
    statuses = [next(s for s in ("aligned", "removed", "added") if s in r.classes) for r in rows]
    assert (statuses.count("aligned"), statuses.count("removed"), statuses.count("added")) == (3, 12, 12)
    assert all(r.find_all("div.empty") for r in rows if "aligned" not in r.classes)
    (videos,) = [r for r in rows_with(tree, "Videos shared on social media") if "aligned" in r.classes]
    assert_roaming_moving(videos)
    (added,) = rows_with(tree, "Pakistan Intensifies Crackdown on Baloch Separatists After Major Assaults")
    assert "added" in added.classes and "only in A" not in added.find("div.b").text()


def test_pages_are_self_contained_and_printable(seed_html, comparison_html):
    for html in (seed_html, comparison_html):
        tree = parse(html)
        assert not tree.find_all("script") and not tree.find_all("link") and not tree.find_all("img")
        assert all(a.attrs["href"].startswith("#") for a in tree.find_all("a"))
        assert not re.search(r"https?:|@import|url\(|src=", html)
        csp = [m for m in tree.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
        assert csp and "default-src 'none'" in csp[0].attrs["content"]
        assert "@media print" in tree.find("style").text()


def test_report_loads_in_chromium_without_console_errors(seed_html, tmp_path):
    """Render the sample's report, open it in headless Chromium and take a 1280x2000 screenshot.

    Console errors are read from Chromium's own log: with ``--enable-logging=stderr --v=0`` every
    console message of the page (uncaught exceptions, CSP violations such as a blocked fetch or
    script, failed loads) is a ``:CONSOLE`` line on stderr. The report runs no script, so any such
    line is a defect; the next test proves the check sees them. A missing Chromium fails the test.
    """
    page = tmp_path / "report.html"
    page.write_text(seed_html, encoding="utf-8")
    shot = screenshot(page, tmp_path / "report.png")
    assert shot.console == []
    assert png_size(shot.png) == (1280, 2000)
    assert shot.png.stat().st_size > 50_000  # a blank page compresses to a few kilobytes


def test_on_a_phone_the_tables_are_cards_and_the_page_never_scrolls_sideways(wire, tmp_path):
    """At 390 px (a phone) the relations table is a stack of cards within the screen and nothing makes
    the page wider, even a long document id; the same page without the phone rules overflows."""
    long_id = "politics/2026/03/acme-mining-first-quarter-profit-corrected-version-sent-at-noon.txt"
    documents = [dataclasses.replace(d, id=long_id) if d.id == "b.txt" else d for d in wire.documents]
    page = tmp_path / "phone.html"
    html = render_html(dataclasses.replace(wire, documents=documents))
    page.write_text(html, encoding="utf-8")
    phone = layout(page, 390, "#relations-table tr.relation, #boilerplate-table tbody tr")
    assert phone.viewport_width == 390 and phone.scroll_width == 390
    assert len(phone.cards) == 4
    assert all(display == "block" and 0 <= left and right <= 390 and height > 60
               for display, left, right, height in phone.cards)
    desktop = layout(page, 1280, "#relations-table tr.relation")
    assert desktop.scroll_width == 1280 and {card[0] for card in desktop.cards} == {"table-row"}
    unstacked = tmp_path / "unstacked.html"
    unstacked.write_text(html.replace("@media (max-width: 600px)", "@media (max-width: 1px)"), encoding="utf-8")
    assert layout(unstacked, 390, "#relations-table tr.relation").scroll_width > 390


def test_injected_fetch_and_script_are_blocked_and_seen(tmp_path, seed_html):
    """The check above is not vacuous: markup slipped into the report is blocked by its CSP (nothing
    fetched, nothing run), and each block is a console line the check sees."""
    page = tmp_path / "injected.html"
    injected = '<img src="https://example.invalid/x.png"><script>document.title = "ran"</script>'
    page.write_text(seed_html.replace("</main>", injected + "</main>"), encoding="utf-8")
    shot = screenshot(page, tmp_path / "injected.png", 400, 300)
    assert len([line for line in shot.console if "Content Security Policy" in line]) == 2, shot.console


def test_a_group_of_duplicates_is_one_row_and_a_correction_is_named(wire):
    """Three copies of one text are one row (the same text, re-sent); a version that says it corrects its
    source is called a correction."""
    index = {d.id: i for i, d in enumerate(wire.documents)}
    a, b, c, d = (index[name] for name in ("a.txt", "b.txt", "c.txt", "d.txt"))
    report = dataclasses.replace(wire, relations=[
        Relation("duplicate", a, c, 1.0, 1.0, 5, group=0), Relation("duplicate", a, d, 1.0, 1.0, 2, group=0),
        Relation("version", a, b, 0.8, 0.8, 3, group=1, correction=True)])
    table = parse(render_html(report)).find("table#relations-table")
    rows = [[squash(td.text()) for td in tr.find_all("td")] for tr in table.find_all("tr.relation")]
    assert [row[:3] for row in rows] == [["1", "correction", "b.txt ← a.txt"],
                                         ["2", "duplicate", "c.txt = d.txt ← a.txt"]]
    assert rows[1][3:5] == ["the same text", "7"]
