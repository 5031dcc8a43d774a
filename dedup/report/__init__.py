"""Renderers: a Report as JSON, terminal text or HTML. They format; they decide nothing."""
