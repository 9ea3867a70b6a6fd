"""Search quality by regret: per method, mean ± std over seeds of the final architecture's true
test accuracy, regret and (where the oracle has one) percentile, from each run's benchmark.json;
a random-search baseline from the embedded table; a bar chart (GAEA Table 2 / Fig. 4 in
miniature). Used by the oracles' `aggregate` (darts_lab/oracle/)."""

from __future__ import annotations

import random
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from darts_lab.benchmark.cells import all_cells  # noqa: E402
from darts_lab.benchmark.table import Table  # noqa: E402
from darts_lab.stats import mean_std  # noqa: E402

RANDOM_K = 10  # architectures random search may train (documented budget)


def random_search(table: Table, k: int = RANDOM_K, seeds: range = range(4)) -> list[dict]:
    """Best of k architectures drawn uniformly from the whole space (all op assignments), chosen
    by one training seed's validation accuracy, scored by its mean test accuracy."""
    strings = [s for members in all_cells(table.protocol["ops"]).values() for s in members]
    results = []
    for seed in seeds:
        drawn = random.Random(seed).sample(strings, k)
        best = max(drawn, key=lambda arch: table.entry(arch)["runs"][0]["val_acc"])
        results.append(table.score(best))
    return results


def regret_rows(scores: dict[str, list[dict]]) -> list[dict]:
    """scores: method → one benchmark.json score per finished seed."""
    rows = []
    for method, runs in scores.items():
        if not runs:
            continue
        acc = mean_std([100 * r["test_acc"] for r in runs])
        regret = mean_std([100 * r["regret"] for r in runs])
        row = {
            "method": method,
            "seeds": len(runs),
            "test acc (%)": f"{acc[0]:.2f} ± {acc[1]:.2f}",
            "regret (points)": f"{regret[0]:.2f} ± {regret[1]:.2f}",
            "_regret": regret,
        }
        if all("percentile" in r for r in runs):  # NAS-Bench-101's oracle has none
            pct = mean_std([r["percentile"] for r in runs])
            row["percentile"] = f"{pct[0]:.0f} ± {pct[1]:.0f}"
        rows.append(row)
    return rows


def bar_chart(rows: list[dict], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(max(5, 0.7 * len(rows)), 3.4))
    names = [r["method"] for r in rows]
    means = [r["_regret"][0] for r in rows]
    errors = [r["_regret"][1] for r in rows]
    ax.bar(names, means, yerr=errors, capsize=3, color="tab:blue")
    ax.set_ylabel("regret (test acc. points)")
    ax.set_title("embedded benchmark: final regret, mean ± std over seeds")
    ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
