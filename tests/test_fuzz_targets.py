"""The fuzz targets of ``make fuzz`` on a short budget, plus inputs a fuzz run once broke (regressions)."""

import pytest

from tests.fuzz.run import check_figures, check_normalize_and_diff, check_segments, main

REGRESSIONS = [
    "at least 31 killed.\n\n",
    "between 500 and 2 million",
    "\u200b31\ufeff civilians",
    "U.S. 1,200.5 $ 3.5 million\r\n\r\n”",
    "a dozen dozens of scores of hundreds of thousands",
    "。巴基斯坦。\n。",
]


@pytest.mark.parametrize("text", REGRESSIONS)
def test_regression_inputs(text):
    check_figures(text)
    check_segments(text)
    check_normalize_and_diff(text, text[::-1])


def test_fuzz_runner_on_a_short_budget(capsys):
    assert main(["--minutes", "0.02"]) == 0
    assert "no failure" in capsys.readouterr().out
