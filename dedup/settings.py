"""Settings a newsroom chooses once, read from ``dedup.toml`` or ``[tool.dedup]`` in ``pyproject.toml``.

A plain loader: it returns each setting's value and where it came from (``default`` or the file);
the CLI turns them into the defaults of its commands, so a flag on the command line still wins.
Only settings that some command uses are accepted; anything else is an error naming the file and key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dedup.config import ScanConfig
from dedup.sources import DEFAULT_GLOBS

CONFIG_FILE = "dedup.toml"
PYPROJECT = "pyproject.toml"
DEFAULT_SOURCE = "default"
FLAG_SOURCE = "flag"
DEFAULT_TOKEN_ENV = "DEDUP_TOKEN"
_SCAN_DEFAULTS = ScanConfig()


class SettingsError(Exception):
    """A settings file that cannot be used: unreadable, not TOML, an unknown key, a wrong value."""


@dataclass(frozen=True, slots=True)
class Setting:
    """A value in force and where it came from: ``default``, a settings file's path, or ``flag``."""

    value: object
    source: str


def _threshold(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError("must be a number in (0, 1]")
    return float(value)


def _positive_int(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a positive integer")
    return value


def _document_count(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ValueError("must be an integer of at least 2")
    return value


def _patterns(value: object) -> object:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError("must be a non-empty list of file name patterns, e.g. [\"*.html\", \"*.txt\"]")
    return tuple(value)


def _path(value: object) -> object:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a path (a string)")
    return value


def _variable_name(value: object) -> object:
    if not isinstance(value, str) or not value.isidentifier():
        raise ValueError("must be the name of an environment variable, e.g. \"DEDUP_TOKEN\"")
    return value


@dataclass(frozen=True, slots=True)
class Key:
    default: object
    check: Callable[[object], object]
    # (command path, parameter name) of every option this setting gives its default to
    options: tuple[tuple[tuple[str, ...], str], ...]
    relative_path: bool = False


KEYS: dict[str, Key] = {
    "threshold": Key(_SCAN_DEFAULTS.threshold, _threshold,
                     ((("scan",), "threshold"), (("diff",), "threshold"), (("index", "create"), "threshold"))),
    "min_words": Key(_SCAN_DEFAULTS.min_words, _positive_int,
                     ((("scan",), "min_words"), (("index", "create"), "min_words"))),
    "globs": Key(DEFAULT_GLOBS, _patterns, ((("scan",), "glob"), (("index", "add"), "glob"))),
    "figure_groups": Key(None, _path, ((("scan",), "figure_groups"), (("diff",), "figure_groups")),
                         relative_path=True),
    "index": Key(None, _path, ((("check",), "index_path"), (("serve",), "index_path")), relative_path=True),
    "token_env": Key(DEFAULT_TOKEN_ENV, _variable_name, ()),  # applied by command_defaults
    "boilerplate_min_docs": Key(_SCAN_DEFAULTS.boilerplate_min_docs, _document_count,
                                ((("scan",), "boilerplate_min_docs"), (("index", "create"), "boilerplate_min_docs"))),
    "boilerplate_file": Key(None, _path, ((("scan",), "boilerplate_file"), (("index", "create"), "boilerplate_file")),
                            relative_path=True),
}


def find_settings_file(folder: Path) -> tuple[Path, dict[str, object]] | None:
    """``dedup.toml`` in ``folder``, else a ``pyproject.toml`` there with a ``[tool.dedup]`` table,
    with its raw settings; None when neither holds any."""
    own = folder / CONFIG_FILE
    if own.is_file():
        return own, _read_toml(own)
    pyproject = folder / PYPROJECT
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {})
        if isinstance(table, dict) and "dedup" in table:
            if not isinstance(table["dedup"], dict):
                raise SettingsError(f"{pyproject}: [tool.dedup] must be a table")
            return pyproject, table["dedup"]
    return None


def load_settings(folder: Path | None = None, path: Path | None = None) -> dict[str, Setting]:
    """Every setting with its value and source: from ``path`` when given (a ``pyproject.toml`` is
    read at ``[tool.dedup]``), else from the settings file of ``folder`` (default: the current one)."""
    if path is not None:
        if not path.is_file():
            raise SettingsError(f"{path}: no such settings file")
        raw = _read_toml(path)
        if path.name == PYPROJECT:
            tool = raw.get("tool", {})
            raw = tool.get("dedup", {}) if isinstance(tool, dict) else {}
        found: tuple[Path, dict[str, object]] | None = (path, raw)
    else:
        found = find_settings_file(folder or Path.cwd())
    settings = {name: Setting(key.default, DEFAULT_SOURCE) for name, key in KEYS.items()}
    if found is None:
        return settings
    file, raw = found
    prefix = "tool.dedup." if file.name == PYPROJECT else ""
    for name, value in raw.items():
        key = KEYS.get(name)
        if key is None:
            raise SettingsError(f"{file}: unknown key {prefix + name!r} (known: {', '.join(KEYS)})")
        try:
            checked = key.check(value)
        except ValueError as exc:
            raise SettingsError(f"{file}: {prefix}{name} {exc}, got {value!r}") from None
        if key.relative_path:
            checked = str(file.absolute().parent / str(checked))
        settings[name] = Setting(checked, str(file.absolute()))
    return settings


def with_flags(settings: Mapping[str, Setting], flags: Mapping[str, object]) -> dict[str, Setting]:
    """The settings with the values given as flags (None: not given) put over them."""
    return {name: Setting(flags[name], FLAG_SOURCE) if flags.get(name) is not None else setting
            for name, setting in settings.items()}


def command_defaults(settings: Mapping[str, Setting], environ: Mapping[str, str] = os.environ) -> dict[str, object]:
    """The option defaults of each command (click's ``default_map``: nested by command) that the
    settings file changes; options a file leaves alone keep their own defaults."""
    defaults: dict[str, object] = {}
    for name, setting in settings.items():
        if setting.source == DEFAULT_SOURCE:
            continue
        for command, option in KEYS[name].options:
            value = list(setting.value) if isinstance(setting.value, tuple) else setting.value
            _nested(defaults, command)[option] = value
    token_env = settings["token_env"]
    if token_env.source != DEFAULT_SOURCE and str(token_env.value) in environ:
        _nested(defaults, ("serve",))["token"] = environ[str(token_env.value)]
    return defaults


def _nested(defaults: dict[str, object], command: tuple[str, ...]) -> dict[str, object]:
    for name in command:
        defaults = defaults.setdefault(name, {})  # type: ignore[assignment]
    return defaults


def _read_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
