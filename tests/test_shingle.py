import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.normalize import normalize
from dedup.shingle import NUMBER_TOKEN, shingle_sets


def sets_of(*texts, k=3):
    return shingle_sets([normalize(t) for t in texts], k)


def test_shingle_counts_and_sorted_unique_sets():
    sets = sets_of("one two three four five", "one two", "", k=3)
    assert sets.sizes().tolist() == [3, 1, 0]  # 5 tokens -> 3 shingles; short segment -> 1; empty -> 0
    assert sets.words.tolist() == [5, 2, 0]
    first = sets.get(0)
    assert np.all(first[1:] > first[:-1])


def test_repeated_shingles_are_counted_once():
    sets = sets_of("a b a b a b a b", k=2)
    assert sets.sizes().tolist() == [2]  # {"a b", "b a"}


def test_numbers_are_masked_but_exact_hash_keeps_them():
    sets = sets_of("At least 31 civilians were killed", "at least 18 civilians were killed")
    assert np.array_equal(sets.get(0), sets.get(1))
    assert sets.exact[0] != sets.exact[1]


def test_exact_hash_is_that_of_the_normalised_text():
    sets = sets_of("The \u201cSame\u201d   Paragraph", 'the "same" paragraph')
    assert sets.exact[0] == sets.exact[1]


def test_punctuation_does_not_change_shingles():
    sets = sets_of("Quetta, firing rocket launchers; at a bank", "quetta firing rocket launchers at a bank")
    assert np.array_equal(sets.get(0), sets.get(1))


def test_cjk_characters_are_tokens_of_their_own():
    sets = sets_of("巴基斯坦发生袭击事件", "巴基斯坦发生袭击", k=3)
    assert sets.words.tolist() == [10, 8]
    assert len(np.intersect1d(sets.get(0), sets.get(1))) == 6


def test_astral_characters_do_not_break_tokenising():
    sets = sets_of("emoji \U0001F600 here and there", k=2)
    assert sets.words[0] == 6  # the emoji is two UTF-16 halves, each a token


def test_same_text_gives_same_hashes_in_any_batch():
    alone = sets_of("alpha beta gamma delta")
    together = sets_of("something else entirely here", "alpha beta gamma delta")
    assert np.array_equal(alone.get(0), together.get(1))
    assert alone.exact[0] == together.exact[1]


def test_number_token_constant_is_distinct_from_words():
    assert int(NUMBER_TOKEN) != 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80))
def test_folding_in_the_compiled_loop_equals_normalize(text):
    raw, normalised = shingle_sets([text], 2), shingle_sets([normalize(text)], 2)
    assert np.array_equal(raw.get(0), normalised.get(0))
    assert raw.exact[0] == normalised.exact[0]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=80))
def test_ascii_case_and_spacing_do_not_change_the_exact_hash(text):
    noisy = "  " + "\n\t ".join(text.upper().split(" ")) + " \r\n"
    assert shingle_sets([noisy], 2).exact[0] == shingle_sets([text], 2).exact[0]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=st.characters(codec="ascii"), max_size=30),
                          st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30),
                          st.sampled_from(["Straße ﬁnal", "e\u0301te", "\U0001F600 ok", "한국어", "ｆｕｌｌ"])),
                max_size=8))
def test_a_batch_shingles_each_text_as_it_would_alone(texts):
    """Batches mix ASCII, normalised and astral texts; each text's set must not depend on its batch."""
    batch = shingle_sets(texts, 2)
    for i, text in enumerate(texts):
        alone = shingle_sets([text], 2)
        assert np.array_equal(batch.get(i), alone.get(0))
        assert batch.exact[i] == alone.exact[0] and batch.words[i] == alone.words[0]


def test_character_tables_built_in_bulk_equal_a_character_by_character_fold():
    """The fold and complex tables fold all characters as one NUL-joined string; each character
    folded on its own must give the same tables."""
    import unicodedata

    from dedup.normalize import fold
    from dedup.shingle import _COMPLEX, FOLD_TABLE, _is_jamo

    def is_mark(char: str) -> bool:
        return unicodedata.category(char)[0] == "M" or unicodedata.combining(char) != 0 or _is_jamo(ord(char))

    for code in range(0x80, 0x10000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or char.isspace():
            continue
        folded = fold(char)
        single = len(folded) == 1 and ord(folded) <= 0xFFFF and not folded.isspace()
        assert FOLD_TABLE[code] == (ord(folded) if single else code), hex(code)
        assert _COMPLEX[code] == (not single or is_mark(char) or any(map(is_mark, folded))), hex(code)
