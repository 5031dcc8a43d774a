"""Settings files: dedup.toml or [tool.dedup] in pyproject.toml; flags win; `dedup config` shows the sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.settings import Setting, SettingsError, command_defaults, load_settings

runner = CliRunner()
STORY = ("The port authority said on Monday that container traffic rose 12 percent in the first quarter, "
         "driven by higher exports of machinery and grain.\n")


def test_without_a_file_every_setting_is_its_default(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings == {"threshold": Setting(0.7, "default"), "min_words": Setting(4, "default"),
                        "globs": Setting(("*.txt", "*.md", "*.html", "*.htm"), "default"),
                        "figure_groups": Setting(None, "default"), "index": Setting(None, "default"),
                        "token_env": Setting("DEDUP_TOKEN", "default"),
                        "boilerplate_min_docs": Setting(3, "default"), "boilerplate_file": Setting(None, "default")}
    assert command_defaults(settings) == {}


def test_dedup_toml_values_and_paths_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "dedup.toml").write_text('threshold = 0.8\nglobs = ["*.html"]\nindex = "data/articles.db"\n'
                                         'figure_groups = "groups.toml"\ntoken_env = "NEWSROOM_TOKEN"\n')
    settings = load_settings(tmp_path)
    source = str(tmp_path / "dedup.toml")
    assert settings["threshold"] == Setting(0.8, source)
    assert settings["globs"] == Setting(("*.html",), source)
    assert settings["index"] == Setting(str(tmp_path / "data" / "articles.db"), source)
    assert settings["figure_groups"] == Setting(str(tmp_path / "groups.toml"), source)
    assert settings["min_words"] == Setting(4, "default")
    assert command_defaults(settings, environ={"NEWSROOM_TOKEN": "s3cret"}) == {
        "scan": {"threshold": 0.8, "glob": ["*.html"], "figure_groups": str(tmp_path / "groups.toml")},
        "diff": {"threshold": 0.8, "figure_groups": str(tmp_path / "groups.toml")},
        "index": {"create": {"threshold": 0.8}, "add": {"glob": ["*.html"]}},
        "check": {"index_path": str(tmp_path / "data" / "articles.db")},
        "serve": {"index_path": str(tmp_path / "data" / "articles.db"), "token": "s3cret"},
    }
    assert "token" not in command_defaults(settings, environ={})["serve"]


def test_pyproject_tool_table_and_which_file_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_settings(tmp_path)["threshold"].source == "default"  # no [tool.dedup]: not a settings file
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.dedup]\nmin_words = 6\n')
    assert load_settings(tmp_path)["min_words"] == Setting(6, str(tmp_path / "pyproject.toml"))
    (tmp_path / "dedup.toml").write_text("threshold = 0.9\n")
    settings = load_settings(tmp_path)
    assert settings["threshold"] == Setting(0.9, str(tmp_path / "dedup.toml"))
    assert settings["min_words"] == Setting(4, "default")  # dedup.toml is the one file read


@pytest.mark.parametrize(("content", "error"), [
    ("treshold = 0.8\n", "unknown key 'treshold' (known: threshold, min_words, globs, figure_groups, index, "
                         "token_env, boilerplate_min_docs, boilerplate_file)"),
    ('threshold = "high"\n', "threshold must be a number in (0, 1], got 'high'"),
    ("threshold = 1.5\n", "threshold must be a number in (0, 1], got 1.5"),
    ("min_words = 0\n", "min_words must be a positive integer, got 0"),
    ('globs = "*.html"\n', "globs must be a non-empty list of file name patterns, e.g. [\"*.html\", \"*.txt\"], "
                           "got '*.html'"),
    ("index = 3\n", "index must be a path (a string), got 3"),
    ('token_env = "MY-TOKEN"\n', "token_env must be the name of an environment variable, e.g. \"DEDUP_TOKEN\", "
                                 "got 'MY-TOKEN'"),
    ("[boilerplate]\nmin_documents = 3\n", "unknown key 'boilerplate' (known: threshold, min_words, globs, "
                                           "figure_groups, index, token_env, boilerplate_min_docs, "
                                           "boilerplate_file)"),
    ("boilerplate_min_docs = 1\n", "boilerplate_min_docs must be an integer of at least 2, got 1"),
])
def test_bad_keys_and_values_name_the_file_and_the_key(tmp_path: Path, content: str, error: str) -> None:
    (tmp_path / "dedup.toml").write_text(content)
    with pytest.raises(SettingsError) as raised:
        load_settings(tmp_path)
    assert str(raised.value) == f"{tmp_path / 'dedup.toml'}: {error}"


def test_pyproject_errors_name_the_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nthreshhold = 0.8\n")
    with pytest.raises(SettingsError, match=r"pyproject.toml: unknown key 'tool.dedup.threshhold' "):
        load_settings(tmp_path)


def test_a_file_that_is_not_toml(tmp_path: Path) -> None:
    (tmp_path / "dedup.toml").write_text("threshold = \n")
    with pytest.raises(SettingsError, match=r"^.*dedup.toml: not valid TOML \(Invalid value \(at line 1"):
        load_settings(tmp_path)


def scanned(args: list[str]) -> tuple[float, list[str]]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    return report["config"]["threshold"], [d["id"] for d in report["documents"]]


def test_the_scan_takes_the_file_and_flags_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(STORY)
    (tmp_path / "corpus" / "b.md").write_text(STORY)
    monkeypatch.chdir(tmp_path)
    assert scanned(["scan", "corpus"]) == (0.7, ["a.txt", "b.md"])
    (tmp_path / "dedup.toml").write_text('threshold = 0.85\nglobs = ["*.md"]\n')
    assert scanned(["scan", "corpus"]) == (0.85, ["b.md"])
    assert scanned(["scan", "corpus", "--threshold", "0.6", "--glob", "*.txt"]) == (0.6, ["a.txt"])
    (tmp_path / "other.toml").write_text("threshold = 0.95\n")
    assert scanned(["--config", "other.toml", "scan", "corpus"]) == (0.95, ["a.txt", "b.md"])


def test_config_shows_each_value_and_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dedup.toml").write_text('threshold = 0.8\nindex = "articles.db"\ntoken_env = "NEWSROOM_TOKEN"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSROOM_TOKEN", "s3cret")
    result = runner.invoke(app, ["config", "--min-words", "6"])
    assert result.exit_code == 0, result.output
    source = tmp_path / "dedup.toml"
    assert result.stdout.splitlines() == [
        f"threshold      {'0.8':<32} {source}",
        f"min_words      {'6':<32} flag",
        f"globs          {'*.txt, *.md, *.html, *.htm':<32} default",
        f"figure_groups  {'(none)':<32} default",
        f"index          {str(tmp_path / 'articles.db'):<32} {source}",
        f"token_env      {'NEWSROOM_TOKEN (set)':<32} {source}",
        f"boilerplate_min_docs {'3':<32} default",
        f"boilerplate_file {'(none)':<32} default",
    ]
    assert "s3cret" not in result.stdout


def test_check_finds_the_index_named_in_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dedup.toml").write_text('index = "articles.db"\n')
    (tmp_path / "story.txt").write_text(STORY)
    assert runner.invoke(app, ["index", "create", "articles.db"]).exit_code == 0
    assert runner.invoke(app, ["index", "add", "articles.db", "story.txt"]).exit_code == 0
    result = runner.invoke(app, ["check", "story.txt"])
    assert (result.exit_code, result.stdout.splitlines()[0]) == (5, "duplicate")


def test_a_bad_file_stops_every_command_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dedup.toml").write_text("threshold = 2\n")
    result = runner.invoke(app, ["scan", "."])
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {tmp_path / 'dedup.toml'}: threshold must be a number in (0, 1], got 2\n"
    result = runner.invoke(app, ["--config", "missing.toml", "config"])
    assert (result.exit_code, result.stderr) == (2, "dedup: error: missing.toml: no such settings file\n")
