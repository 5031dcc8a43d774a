"""Benchmarks of dedup against rensa and datasketch: speed, memory and recall, measured side by side.

Run ``python -m benchmarks.run --quick`` (about a minute, CI) or ``--full``; see benchmarks/README.md.
"""
