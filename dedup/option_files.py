"""Files that options name: extra figure groups (``--figure-groups``) and boilerplate lines
(``--boilerplate-file``). Each reader raises ValueError with a one-line message naming the file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from dedup.boilerplate import parse_listed


def figure_groups(path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Extra figure groups from a JSON or TOML file: ``{"militants": ["jihadists"], ...}``."""
    kind = "TOML" if path.suffix == ".toml" else "JSON"
    raw = _read(path)
    try:
        data = tomllib.loads(raw.decode("utf-8")) if kind == "TOML" else json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise ValueError(f"{path}: not valid {kind} ({exc})") from None
    if not isinstance(data, dict) or not all(
            isinstance(words, list) and all(isinstance(w, str) for w in words) for words in data.values()):
        raise ValueError(f"{path}: figure groups must map a group name to a list of words, "
                         "e.g. {\"militants\": [\"jihadists\"]}")
    return tuple((str(name), tuple(words)) for name, words in data.items())


def boilerplate_lines(path: Path) -> tuple[str, ...]:
    """The boilerplate lines of ``path`` (see :func:`dedup.boilerplate.parse_listed`)."""
    raw = _read(path)
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_listed(lines, str(path))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
