"""Search quality by regret: per method, over seeds, the final architecture's true test
accuracy and regret with a 95 % bootstrap CI and the median, the share of seeds that collapsed,
tests against random search and DARTS (and, for a selection that chose another cell than Π_S,
against Π_S's cell of the same supernets), and (where the oracle has them) the percentile, the
found cells' CIFAR-10 accuracy and the final α entropy; report.png with every seed and the CIs.
Used by every oracle's `aggregate` (darts_lab/oracle/); an oracle with a table adds the black-box
baselines (darts_lab/baseline/) and every row's cost in seconds (darts_lab/baseline/report.py)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Collection
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from darts_lab.export.artifacts import save_figure
from darts_lab.stats import bootstrap_ci, mean_std, paired_p, unpaired_p  # noqa: E402

RANDOM_K = 10  # architectures random search may train (documented budget)
RANDOM = f"random search (k={RANDOM_K})"
REFERENCE = "darts"  # the method every other is tested against, seed by seed
# a selection row against Π_S's cell of its own supernets (the run's oracle.json "magnitude")
TWIN_COLUMNS = ("Π_S regret, same supernets", "p vs Π_S (paired Wilcoxon)")
COLLAPSE_FREE_OPS = 4  # Π_S dominated by parameter-free ops: at least this many of 6 edges ...
COLLAPSE_PERCENTILE = 50.0  # ... and it cost accuracy: below the table's median cell


def collapsed(run: dict, parameter_free: Callable[[dict], int | None]) -> bool:
    """Collapse is both halves of its name: Π_S keeps ≥ COLLAPSE_FREE_OPS parameter-free ops AND
    the cell scores below the table's median (percentile < 50). A parameter-free cell that
    scores well (most of random search's picks) has not collapsed, nor has a poor conv cell;
    without a percentile (or a count) nothing is called collapsed."""
    free = parameter_free(run)
    low = run.get("percentile", math.inf) < COLLAPSE_PERCENTILE
    return low and free is not None and free >= COLLAPSE_FREE_OPS


def run_cost(runs: list[dict]) -> float | None:
    """A row's compute in seconds, the mean over its seeds: a one-shot search's measured
    `search_seconds` (timing.json), a baseline's `cost_seconds` (queries × seconds per trained
    cell, + the proxy's scoring); None unless every seed has one, and None for searches timed
    on more than one machine (timing.json's `machine`; a sweep continued elsewhere), whose
    seconds do not add up to one machine's cost."""
    costs = [r.get("search_seconds", r.get("cost_seconds")) for r in runs]
    mixed = timed_on_several_machines(runs)
    return None if any(c is None for c in costs) or mixed else statistics.mean(costs)


def timed_on_several_machines(runs: list[dict]) -> bool:
    """Whether the searches among `runs` were timed on more than one machine (timing.json's
    `machine`; None: timed before it was kept)."""
    return len({r.get("machine") for r in runs if "search_seconds" in r}) > 1


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _p(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"


def _by_seed(runs: list[dict]) -> dict[str, float]:
    return {str(r.get("seed")): 100 * r["regret"] for r in runs}


def regret_rows(
    scores: dict[str, list[dict]],
    parameter_free: Callable[[dict], int | None] = lambda run: None,
    transfer: Callable[[dict], float | None] = lambda run: None,
    baselines: Collection[str] = (RANDOM,),
) -> list[dict]:
    """scores: method → one oracle.json score per finished seed (with its `seed`, and the
    final α `entropy` where the run wrote one); `baselines`: the rows whose seeds are no data
    split (never paired with DARTS's)."""
    regrets = {m: [100 * r["regret"] for r in runs] for m, runs in scores.items() if runs}
    rows = []
    costed = any(run_cost(runs) is not None for runs in scores.values() if runs)
    for method, runs in scores.items():
        if not runs:
            continue
        regret, cost = regrets[method], run_cost(runs)
        acc = mean_std([100 * r["test_acc"] for r in runs])
        low, high = bootstrap_ci(regret)
        row = {
            "method": method,
            "seeds": len(runs),
            **({"cost (s)": _seconds(cost)} if costed else {}),
            "test acc (%)": f"{acc[0]:.2f} ± {acc[1]:.2f}",
            "regret (points)": "{:.2f} ± {:.2f}".format(*mean_std(regret)),
            "regret 95 % CI": f"[{low:.2f}, {high:.2f}]",
            "median regret": f"{statistics.median(regret):.2f}",
            "_regret": regret,
            "_ci": (low, high),
        }
        if all("percentile" in r for r in runs):  # NAS-Bench-101's oracle has none
            pct = mean_std([r["percentile"] for r in runs])
            row["percentile"] = f"{pct[0]:.0f} ± {pct[1]:.0f}"
        share = sum(collapsed(r, parameter_free) for r in runs) / len(runs)
        row["collapsed"] = f"{100 * share:.0f} %"
        if RANDOM in regrets and method != RANDOM:
            row["p vs random (MWU)"] = _p(unpaired_p(regret, regrets[RANDOM]))
        if REFERENCE in scores:  # "—" for DARTS itself and random search (nothing to pair)
            ours, theirs = _by_seed(runs), _by_seed(scores[REFERENCE])
            paired = method != REFERENCE and method not in baselines
            shared = sorted(set(ours) & set(theirs)) if paired else []
            p = paired_p([ours[s] for s in shared], [theirs[s] for s in shared])
            row[f"p vs {REFERENCE} (paired Wilcoxon)"] = _p(p)
        if all("regret" in r.get("magnitude", {}) for r in runs):  # a selection's own Π_S twin
            twin = [100 * r["magnitude"]["regret"] for r in runs]
            row[TWIN_COLUMNS[0]] = "{:.2f} ± {:.2f}".format(*mean_std(twin))
            row[TWIN_COLUMNS[1]] = _p(paired_p(regret, twin))
        cifar = [c for c in map(transfer, runs) if c is not None]
        if len(cifar) == len(runs):
            row["CIFAR-10 acc. of its cells (%)"] = "{:.2f} ± {:.2f}".format(*mean_std(cifar))
        if all("entropy" in r for r in runs):
            row["final entropy"] = f"{statistics.mean(r['entropy'] for r in runs):.3f}"
        row["_seeds"] = [str(r.get("seed")) for r in runs]
        row["_collapsed"] = share
        row["_cost"] = cost
        row["_archs"] = [r.get("arch") for r in runs]
        rows.append(row)
    return rows


def split_twins(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """The rows without their Π_S-twin columns, and the selection rows with them (method, regret,
    twin): a table of their own, since most rows have no twin and two columns of dashes made
    the regret table too wide to read."""
    main = [{k: v for k, v in r.items() if k not in TWIN_COLUMNS} for r in rows]
    twins = [
        {"method": r["method"], "regret (points)": r["regret (points)"],
         **{k: r[k] for k in TWIN_COLUMNS}}
        for r in rows if TWIN_COLUMNS[0] in r
    ]  # fmt: skip
    return main, twins


def regret_summary(oracle: str, rows: list[dict]) -> dict:
    """The rows as data (`<oracle>_regret.json` beside report.md; the shipped copy,
    regret_results.json, puts a search's one seed in context)."""
    return {
        "oracle": oracle,
        "methods": {
            row["method"]: {
                "seeds": row["_seeds"],
                "regret": row["_regret"],
                "mean": statistics.mean(row["_regret"]),
                "median": statistics.median(row["_regret"]),
                "ci95": list(row["_ci"]),
                "collapsed": row["_collapsed"],
                "cost_seconds": row["_cost"],
                "archs": row["_archs"],
            }
            for row in rows
        },
    }


def seed_chart(rows: list[dict], path: Path) -> Path:
    """Every seed's regret (points) and each row's mean with its 95 % bootstrap CI."""
    fig, ax = plt.subplots(figsize=(max(5, 0.75 * len(rows)), 3.6))
    for i, row in enumerate(rows):
        values = row["_regret"]
        jitter = [i + 0.25 * ((j % 5) - 2) / 2 for j in range(len(values))]
        ax.scatter(jitter, values, s=10, color="tab:gray", alpha=0.7, zorder=2)
        mean, (low, high) = statistics.mean(values), row["_ci"]
        ax.errorbar(i, mean, yerr=[[mean - low], [high - mean]], fmt="o", color="tab:red",
                    capsize=4, zorder=3)  # fmt: skip
    ax.set_xticks(range(len(rows)), [r["method"] for r in rows], rotation=45, ha="right")
    ax.set_ylabel("regret (test acc. points)")
    ax.set_title("final regret: seeds (grey), mean and 95 % bootstrap CI (red)")
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    plt.close(fig)
    return path
