"""The baselines in the regret report: every baseline of conf/baseline/ run on the table of the
oracle that scored the searches, at budgets of 5 to 100 queries, as many seeds as the searches
have (table lookups: seconds); one-shot rows against each baseline at equal or lower cost
(Mann-Whitney U on the regrets); and regret against seconds (regret_vs_seconds.png)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from darts_lab.baseline.base import Baseline, TableView  # noqa: E402
from darts_lab.export.artifacts import save_figure  # noqa: E402
from darts_lab.export.tables import markdown_table  # noqa: E402
from darts_lab.regret import RANDOM_K, regret_rows, run_cost  # noqa: E402
from darts_lab.stats import bootstrap_ci, unpaired_p  # noqa: E402

BUDGETS = (5, 10, 20, 50, 100)  # queries (trained cells)
ALPHA = 0.05  # a difference is called at p ≤ ALPHA (no correction for the many comparisons)
FIGURE = "regret_vs_seconds.png"
MARKERS = ("o-", "^--", "v-.", "D-", "P:")
Scores = dict[str, list[dict]]


class Baselines:
    """The baselines that apply to one table, run on demand for a budget (and kept)."""

    def __init__(self, view: TableView, seeds: Sequence[int]) -> None:
        self.view, self.seeds = view, list(seeds)
        self.baselines = [b for b in Baseline.available() if b.applies(view)]
        self._runs: dict[tuple[str, int], list[dict]] = {}

    def runs(self, baseline: Baseline, budget: int) -> list[dict]:
        key = (baseline.name, budget)
        if key not in self._runs:
            self._runs[key] = [baseline.run(self.view, budget, seed) for seed in self.seeds]
        return self._runs[key]

    def at(self, budget: int) -> Scores:
        """Every baseline at one budget, by its row name."""
        return {b.row(budget): self.runs(b, budget) for b in self.baselines}

    def by_budget(self) -> Scores:
        return {b.row(k): self.runs(b, k) for b in self.baselines for k in BUDGETS}


def _mean_ci(runs: list[dict]) -> tuple[float, float, float]:
    regret = [100 * r["regret"] for r in runs]
    return (statistics.mean(regret), *bootstrap_ci(regret))


def matched_cost(one_shot: Scores, baselines: Baselines) -> tuple[list[dict], list[dict]]:
    """Each one-shot row (with its seconds) against each baseline at the cheapest budget that
    costs at least as much: the table's rows and the verdicts (beats / loses / n.s.)."""
    rows, verdicts = [], []
    for method, runs in one_shot.items():
        cost = run_cost(runs)
        if cost is None or not runs:
            continue
        ours = [100 * r["regret"] for r in runs]
        mean = statistics.mean(ours)
        row = {"method": method, "cost (s)": f"{cost:.0f}", "regret": f"{mean:.2f}"}
        for baseline in baselines.baselines:
            budget = baseline.budget_for(baselines.view, cost)
            if budget is None:
                continue
            theirs = [100 * r["regret"] for r in baselines.runs(baseline, budget)]
            p, their_mean = unpaired_p(ours, theirs), statistics.mean(theirs)
            diff = mean - their_mean
            verdict = "n.s." if not p <= ALPHA else ("beats" if diff < 0 else "loses")
            row[baseline.label] = f"k={budget}: {their_mean:.2f}, p {p:.3f} {verdict}"
            verdicts.append(
                {"method": method, "baseline": baseline.label, "budget": budget, "p": p,
                 "difference": diff, "verdict": verdict}
            )  # fmt: skip
        rows.append(row)
    return rows, verdicts


def verdict_lines(verdicts: list[dict], labels: list[str]) -> list[str]:
    """Per baseline: the one-shot rows that beat it at equal or lower cost, and those it beats."""
    lines = []
    for label in labels:
        mine = [v for v in verdicts if v["baseline"] == label]
        beats = [f"{v['method']} (p {v['p']:.3f})" for v in mine if v["verdict"] == "beats"]
        loses = [f"{v['method']} (p {v['p']:.3f})" for v in mine if v["verdict"] == "loses"]
        lines.append(
            f"- **{label}**: beaten at equal or lower cost by {', '.join(beats) or 'no row'}; "
            f"beats {', '.join(loses) or 'no row'}; {len(mine) - len(beats) - len(loses)} of "
            f"{len(mine)} rows do not differ from it at p ≤ {ALPHA}"
        )
    return lines


def cost_figure(one_shot: Scores, baselines: Baselines, path: Path) -> Path:
    """Mean regret (95 % bootstrap CI) against seconds, log x: a point per one-shot row, a
    budget curve (k = 5..100) per baseline; against queries when the table has no seconds."""
    seconds = baselines.view.seconds_per_query is not None
    fig, ax = plt.subplots(figsize=(10, 6))
    for i, baseline in enumerate(baselines.baselines):
        points = []
        for k in BUDGETS:
            runs = baselines.runs(baseline, k)
            points.append(((run_cost(runs) if seconds else k), *_mean_ci(runs)))
        x, mean, low, high = (list(v) for v in zip(*points, strict=True))
        label = f"{baseline.label}, k = {', '.join(map(str, BUDGETS))}"
        ax.plot(x, mean, MARKERS[i % len(MARKERS)], color=f"C{i}", label=label, alpha=0.85)
        ax.fill_between(x, low, high, color=f"C{i}", alpha=0.12, linewidth=0)
    if seconds:
        for j, (method, runs) in enumerate(sorted(one_shot.items())):
            cost = run_cost(runs)
            if cost is None or not runs:
                continue
            mean, low, high = _mean_ci(runs)
            ax.errorbar(cost, mean, yerr=[[mean - low], [high - mean]], fmt="s", color="black",
                        markersize=4, capsize=2, elinewidth=0.7)  # fmt: skip
            offset = (4, 6 - 5 * (j % 3))  # neighbours at the same cost: labels staggered
            ax.annotate(
                method, (cost, mean), fontsize=6.5, xytext=offset, textcoords="offset points"
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = [0.25, 0.5, 1, 2, 5, 10, 20]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_xlabel("compute (s, one core; log)" if seconds else "budget (trained cells; log)")
    ax.set_ylabel("mean regret (test acc. points; log), 95 % CI")
    ax.set_title("regret against compute: one-shot rows (black squares), black-box budget curves")
    ax.legend(fontsize=7.5, loc="upper right")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    save_figure(fig, path, dpi=130)
    plt.close(fig)
    return path


def baseline_section(
    one_shot: Scores,
    baselines: Baselines,
    out_dir: Path,
    parameter_free: Callable[[dict], int | None],
    transfer: Callable[[dict], float | None],
) -> list[str]:
    """Markdown: the baselines at every budget, the one-shot rows against them at equal cost,
    the verdicts, and the figure (written to out_dir)."""
    view = baselines.view
    names = list(baselines.by_budget())
    rows = regret_rows(baselines.by_budget(), parameter_free, transfer, baselines=names)
    cost = (
        f"cost = queries × {view.seconds_per_query:.2f} s per trained cell (+ the proxy's "
        f"seconds per scored cell × N)"
        if view.seconds_per_query is not None
        else "the table records no seconds per trained cell: budgets in queries only"
    )
    lines = [
        "",
        f"Black-box baselines on {view.about}; {len(baselines.seeds)} seeds each; {cost} "
        f"(darts_lab/baseline/, conf/baseline/):",
        "",
        *markdown_table(rows),
    ]
    matched, verdicts = matched_cost(one_shot, baselines) if view.seconds_per_query else ([], [])
    if matched:
        lines += [
            "",
            "One-shot rows against each baseline at equal or lower cost: the baseline at the "
            "cheapest budget k that costs at least the row's mean search seconds (its mean "
            f"regret), two-sided Mann-Whitney U of the regrets; beats / loses at p ≤ "
            f"{ALPHA}:",
            "",
            *markdown_table(matched),
            "",
            *verdict_lines(verdicts, [b.label for b in baselines.baselines]),
        ]
    cost_figure(one_shot, baselines, out_dir / FIGURE)
    return [*lines, "", f"Regret against compute: {FIGURE}."]


def headline(baselines: Baselines) -> Scores:
    """The baselines at the regret table's budget (random search's k = RANDOM_K)."""
    return baselines.at(RANDOM_K)
