"""Which cells the regret table's collapse rule flags, on the whole embedded table: every one of
the 4,096 architectures (a search returns a spelling, scored by its cell) by its number of
parameter-free ops, with its test accuracy, percentile and regret; what the rule in
darts_lab/regret.py (≥ 4 parameter-free ops of 6 AND below the table's median) flags against
the rule it replaced (≥ 4 parameter-free ops OR below the 20th percentile) and two others; and
random search's 10 picks (k = 10) under each. Writes scripts/regret/collapse_rule.md.

    .venv/bin/python scripts/collapse_rule.py
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

from darts_lab.baseline.base import Baseline
from darts_lab.callbacks.param_free_ops import nb201_parameter_free
from darts_lab.embedded.table import SHIPPED, load_table
from darts_lab.embedded.view import embedded_view, proxy_file
from darts_lab.export.tables import markdown_table
from darts_lab.regret import collapsed

OUT = Path(__file__).resolve().parents[1] / "scripts" / "regret" / "collapse_rule.md"
Rule = Callable[[int, float], bool]  # (parameter-free ops, percentile) → collapsed?

RULES: dict[str, Rule] = {
    "≥ 4 free AND < median (the rule)": lambda f, p: collapsed({"percentile": p}, lambda run: f),
    "≥ 4 free OR < 20th pct (the old rule)": lambda f, p: f >= 4 or p < 20,
    "≥ 4 free AND < 20th pct": lambda f, p: f >= 4 and p < 20,
    "≥ 5 free AND < median": lambda f, p: f >= 5 and p < 50,
}


SHORT = {"none": "none", "skip_connect": "skip", "nor_conv_3x3": "conv", "avg_pool_3x3": "pool"}


def short(arch: str) -> str:
    """`|a~0|+|b~0|c~1|+|...|` → "a / b c / d e f": each node's inputs in source order."""
    nodes = [[SHORT.get(g.split("~")[0], g) for g in n.split("|") if g] for n in arch.split("+")]
    return " / ".join(" ".join(node) for node in nodes)


def _summary(cells: list[dict]) -> dict[str, str]:
    if not cells:
        return {"cells": "0", "test acc (%)": "—", "regret": "—", "median percentile": "—"}
    return {
        "cells": str(len(cells)),
        "test acc (%)": f"{statistics.mean(100 * c['test_acc'] for c in cells):.2f}",
        "regret": f"{statistics.mean(100 * c['regret'] for c in cells):.2f}",
        "median percentile": f"{statistics.median(c['percentile'] for c in cells):.0f}",
    }


def main() -> None:
    view = embedded_view(load_table(), proxy_file(SHIPPED))
    cells = [{"arch": a, "free": nb201_parameter_free(a), **view.score(a)} for a in view.archs]
    rule = RULES["≥ 4 free AND < median (the rule)"]
    by_free = []
    for free in range(7):
        group = [c for c in cells if c["free"] == free]
        row = {"parameter-free ops": free, **_summary(group)}
        row["test acc: 10th pct / best (%)"] = (
            f"{100 * sorted(c['test_acc'] for c in group)[len(group) // 10]:.2f} / "
            f"{100 * max(c['test_acc'] for c in group):.2f}"
        )
        for name, test in RULES.items():
            share = sum(test(c["free"], c["percentile"]) for c in group) / len(group)
            row[name] = f"{100 * share:.0f} %"
        by_free.append(row)
    by_rule = []
    for name, test in RULES.items():
        flagged = [c for c in cells if test(c["free"], c["percentile"])]
        kept = [c for c in cells if not test(c["free"], c["percentile"])]
        by_rule.append(
            {
                "rule": name,
                "flags": f"{len(flagged)} of {len(cells)}",
                "flagged: mean test acc (%)": _summary(flagged)["test acc (%)"],
                "flagged: median percentile": _summary(flagged)["median percentile"],
                "others: mean test acc (%)": _summary(kept)["test acc (%)"],
                "flagged at or above the median": str(sum(c["percentile"] >= 50 for c in flagged)),
            }
        )
    picks = []
    for run in (Baseline.load("random_search").run(view, 10, seed) for seed in range(10)):
        free = nb201_parameter_free(run["arch"])
        row = {"seed": run["seed"], "cell (nodes 1 / 2 / 3)": short(run["arch"]), "free ops": free}
        row.update(regret=f"{100 * run['regret']:.2f}", percentile=f"{run['percentile']:.0f}")
        for name, test in RULES.items():
            row[name.split(" (")[0]] = "yes" if test(free, run["percentile"]) else "no"
        picks.append(row)
    flagged = sum(rule(c["free"], c["percentile"]) for c in cells)
    lines = [
        f"All {len(cells)} architectures of the embedded table (each scored by its cell), by "
        f"parameter-free ops (none, skip_connect, avg_pool_3x3) of 6; percentile: among the "
        f"1,066 distinct cells; a rule's column: the share of the group it flags "
        f"(`scripts/collapse_rule.py`):",
        "",
        *markdown_table(by_free),
        "",
        "What each rule flags, and what the flagged cells score:",
        "",
        *markdown_table(by_rule),
        "",
        f"The rule flags {flagged} of {len(cells)} architectures: every one of them is "
        f"dominated by parameter-free ops and below the table's median. Random search's picks "
        f"(k = 10, seeds 0-9), under each rule:",
        "",
        *markdown_table(picks),
    ]
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
