"""Renderers: a Report as JSON, terminal text or HTML. They format; they decide nothing."""

from __future__ import annotations


def schema_json() -> str:
    """The JSON schema of ``dedup scan --format json``, as shipped in the package (``schema.json`` here),
    for ``dedup schema`` and for anyone validating reports without a checkout."""
    from importlib.resources import files

    return files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
