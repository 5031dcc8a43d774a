"""Engines run the pure stages over many segments: locally (processes) or on Ray."""
