"""Markdown tables of the report (one row per method)."""

from __future__ import annotations


def markdown_table(rows: list[dict]) -> list[str]:
    """Columns in order of first appearance; keys starting with "_" are data, not columns."""
    header = [h for h in dict.fromkeys(k for r in rows for k in r) if not h.startswith("_")]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(r.get(h, "—")) for h in header) + " |" for r in rows]
