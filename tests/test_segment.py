from hypothesis import given
from hypothesis import strategies as st

from dedup import segment
from dedup.segment import Span, segment_documents, segment_text, split_paragraphs, split_sentences
from tests.conftest import FIXTURES, SAMPLE, seed


def paragraphs(text):
    return [text[p.start:p.end] for p in split_paragraphs(text)]


def sentences(text):
    span = Span(0, len(text), 1)
    return [text[s.start:s.end] for s in split_sentences(text, span)]


def test_blank_line_blocks():
    assert paragraphs("First one.\n\n\nSecond one.\n") == ["First one.", "Second one."]


def test_one_paragraph_per_line_like_the_seeds():
    text = (SAMPLE / seed("000")).read_text(encoding="utf-8")
    spans = split_paragraphs(text)
    assert [p.line for p in spans] == list(range(1, 16))
    assert text[spans[1].start:spans[1].end].startswith("A wave of violence swept through Quetta")


def test_hard_wrapped_lines_are_joined_back():
    text = (FIXTURES / "wrapped.txt").read_text(encoding="utf-8")
    found = split_paragraphs(text)
    assert [p.line for p in found] == [1, 5, 9, 12]
    assert text[found[0].start:found[0].end].replace("\n", " ").startswith(
        "It was a bright cold day in April, and the clocks were striking thirteen.")
    assert text[found[1].start:found[1].end].endswith("to the country's coastline.")


def test_markdown_list_items_stay_separate():
    text = "Shopping:\n- bread and butter from the shop\n- milk and eggs from the farm\n"
    assert paragraphs(text) == ["Shopping:", "- bread and butter from the shop", "- milk and eggs from the farm"]


def test_sentences_split_on_terminal_punctuation():
    assert sentences("One thing. Another thing! A third? Yes.") == ["One thing.", "Another thing!", "A third?", "Yes."]


def test_abbreviations_initials_and_acronyms_do_not_split():
    text = ("Dr. Ayesha Khan met Mr. Smith at 5 p.m. in the U.S. capital. "
            "Abdul Basit works at S. Rajaratnam School. It rained.")
    assert sentences(text) == [
        "Dr. Ayesha Khan met Mr. Smith at 5 p.m. in the U.S. capital.",
        "Abdul Basit works at S. Rajaratnam School.",
        "It rained.",
    ]


def test_quotes_stay_with_their_sentence():
    text = ('"Pakistan\'s military decided everything, which had made things worse," said analyst Zahid Hussain. '
            '"The attacks prove they also have a huge local support base. Without that, such attacks are not '
            'possible."')
    assert sentences(text) == [
        '"Pakistan\'s military decided everything, which had made things worse," said analyst Zahid Hussain.',
        '"The attacks prove they also have a huge local support base.',
        'Without that, such attacks are not possible."',
    ]


def test_cjk_full_stop_splits_without_space():
    assert sentences("今日は晴れです。明日は雨です。") == ["今日は晴れです。", "明日は雨です。"]


def test_sentence_lines_in_wrapped_paragraph():
    text = "A first sentence that is long enough\nto wrap. A second one starts on\nline two and ends here."
    para = split_paragraphs(text)
    assert len(para) == 1
    found = split_sentences(text, para[0])
    assert [s.line for s in found] == [1, 2]


def test_segment_table_rows_point_at_raw_text():
    texts = ["Alpha beta. Gamma delta.\n\nEpsilon zeta.", "Eta theta."]
    paragraphs_table, sentences_table = segment_documents(texts)
    assert paragraphs_table.texts(texts) == ["Alpha beta. Gamma delta.", "Epsilon zeta.", "Eta theta."]
    assert sentences_table.texts(texts) == ["Alpha beta.", "Gamma delta.", "Epsilon zeta.", "Eta theta."]
    assert sentences_table.paragraph.tolist() == [0, 0, 1, 2]
    assert paragraphs_table.line.tolist() == [1, 3, 1]


PIECES = st.sampled_from(["a", "b", " ", ".", "!", "?", "\n", '"', "'", "U.S.", "Dr. ", "\n\n", "  ", "Word", "x"])


@given(st.lists(PIECES, max_size=120).map("".join))
def test_spans_are_ordered_trimmed_and_inside_the_text(text):
    previous_end = 0
    for paragraph in split_paragraphs(text):
        chunk = text[paragraph.start:paragraph.end]
        assert chunk and chunk == chunk.strip()
        assert paragraph.start >= previous_end
        assert paragraph.line == text.count("\n", 0, paragraph.start) + 1
        previous_end = paragraph.end
        inner = paragraph.start
        for sentence in split_sentences(text, paragraph):
            piece = text[sentence.start:sentence.end]
            assert piece and piece == piece.strip()
            assert paragraph.start <= sentence.start and sentence.end <= paragraph.end
            assert sentence.start >= inner
            assert sentence.line == text.count("\n", 0, sentence.start) + 1
            inner = sentence.end


def reference_rows(text):
    """segment_text's rows from the definitions: every paragraph, then its sentences."""
    paragraphs = split_paragraphs(text)
    sentences = [(s.start, s.end, s.line, i) for i, p in enumerate(paragraphs) for s in split_sentences(text, p)]
    return [(p.start, p.end, p.line) for p in paragraphs], sentences


BLOCKS = st.lists(PIECES, min_size=1, max_size=30).map("".join)


@given(st.lists(BLOCKS, min_size=1, max_size=6), st.lists(st.integers(0, 5), max_size=12),
       st.sampled_from(["\n\n", "\n \n", "\r\n\r\n", "\n\n\n"]))
def test_segment_text_with_cached_blocks_equals_the_definitions(blocks, order, separator):
    """Blocks repeat inside and across texts, so their segments come from the block cache, shifted."""
    for text in (separator.join(blocks[i % len(blocks)] for i in order), separator.join(blocks)):
        paragraphs, sentences = segment_text(text)
        assert (paragraphs.tolist(), sentences.tolist()) == tuple(map(lambda rows: [list(r) for r in rows],
                                                                      reference_rows(text)))


def test_block_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(segment, "BLOCK_CACHE_ENTRIES", 4)
    segment._BLOCK_CACHE.clear()
    text = "\n\n".join(f"Line one of block {i}.\nLine two of block {i}." for i in range(10))
    assert segment_text(text)[0].tolist() == [list(r) for r in reference_rows(text)[0]]
    assert 0 < len(segment._BLOCK_CACHE) <= 4


def test_even_short_lines_that_end_sentences_stay_one_paragraph_each():
    text = "\n".join(f"Paragraph number {i} has enough words in it." for i in range(4))
    assert len(split_paragraphs(text)) == 4
