"""Does the embedded benchmark say what CIFAR-10 would? `python -m darts_lab.embedded validate`
compares a table's mean test accuracy per distinct cell with an external table of the same cells
on CIFAR-10 (AnalogNAS-Bench, darts_lab/oracle/analognas.py): Kendall τ and Spearman ρ, how many
of its top-10 % cells are CIFAR-10's top 10 %, where its best cell sits on CIFAR-10; and the
table's own seed-to-seed τ and best − median gap in seed stds (Table.quality)."""

from __future__ import annotations

import statistics
from pathlib import Path

from darts_lab.embedded.table import Table, kendall_tau


def ranks(values: list[float]) -> list[float]:
    """Average ranks (ties share the mean rank)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2
        i = j + 1
    return out


def spearman(pairs: list[tuple[float, float]]) -> float:
    a, b = ranks([p[0] for p in pairs]), ranks([p[1] for p in pairs])
    return statistics.correlation(a, b)


def transfer(table: Table, external: dict[tuple[int, ...], float]) -> dict[str, float]:
    """The table's cells (their representative architecture) against the external table."""
    from darts_lab.data.analognas_bench import to_codes

    pairs = [
        (table.mean(e), external[to_codes(e["arch"])]) for e in table.cells.values() if e["runs"]
    ]
    ours, theirs = [p[0] for p in pairs], [p[1] for p in pairs]
    top = max(1, round(0.1 * len(pairs)))
    our_top = set(sorted(range(len(pairs)), key=ours.__getitem__)[-top:])
    their_top = set(sorted(range(len(pairs)), key=theirs.__getitem__)[-top:])
    best = max(range(len(pairs)), key=ours.__getitem__)

    def external_percentile(i: int) -> float:
        return 100 * sum(t <= theirs[i] for t in theirs) / len(pairs)

    best10 = sorted(range(len(pairs)), key=ours.__getitem__)[-10:]  # the table's 10 best cells
    sizes = [
        (e["runs"][0]["params"], external[to_codes(e["arch"])])
        for e in table.cells.values()
        if e["runs"] and "params" in e["runs"][0]
    ]
    return {
        "params_kendall_tau": kendall_tau(sizes) if len(sizes) == len(pairs) else float("nan"),
        "cells": len(pairs),
        "kendall_tau": kendall_tau(pairs),
        "spearman": spearman(pairs),
        "top10_overlap": len(our_top & their_top) / top,
        "best_cell_external_percentile": external_percentile(best),
        "best10_min_external_percentile": min(external_percentile(i) for i in best10),
    }


def report(table: Table, external_path: Path | None) -> list[str]:
    from darts_lab.data.analognas_bench import load_accuracies, shipped_table

    lines = []
    if any(len(e["runs"]) > 1 for e in table.cells.values()):
        q = table.quality()
        lines.append(
            f"{q['cells']} cells; seed-to-seed Kendall τ {q['kendall_tau']:.3f}; best − median "
            f"= {q['gap_over_std']:.2f} × the median seed std"
        )
    external = external_path or shipped_table("--external")
    t = transfer(table, load_accuracies(external, option="--external"))
    lines.append(
        f"vs CIFAR-10 (AnalogNAS-Bench, {t['cells']} cells): Kendall τ {t['kendall_tau']:.3f}, "
        f"Spearman ρ {t['spearman']:.3f}; {100 * t['top10_overlap']:.0f} % of its top-10 % "
        f"cells are CIFAR-10's top 10 %; its best cell is at CIFAR-10 percentile "
        f"{t['best_cell_external_percentile']:.0f}, its 10 best at CIFAR-10 percentile "
        f"{t['best10_min_external_percentile']:.0f} or above"
    )
    if t["params_kendall_tau"] == t["params_kendall_tau"]:  # not nan: runs recorded params
        lines.append(
            f"yardstick: the cells' parameter count alone has Kendall τ "
            f"{t['params_kendall_tau']:.3f} vs CIFAR-10"
        )
    return lines
