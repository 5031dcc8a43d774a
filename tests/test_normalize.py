from hypothesis import given
from hypothesis import strategies as st

from dedup.normalize import normalize


def test_case_quotes_dashes_and_space_do_not_count():
    assert normalize("  \u201cHello\u201d \u2014 WORLD\u2019s\tend \n") == '"hello" - world\'s end'


def test_compatibility_forms_fold():
    assert normalize("\ufb01ve \uff21\uff22") == "five ab"  # ligature fi, fullwidth letters


def test_numbers_are_kept():
    assert normalize("At least 31 civilians") == "at least 31 civilians"


@given(st.text())
def test_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=200))
def test_whitespace_and_case_noise_is_ignored(text):
    noisy = "  " + "\n\t ".join(text.upper().split(" ")) + " "
    assert normalize(noisy) == normalize(text)
