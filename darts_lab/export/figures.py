"""The papers' search figures, drawn from what a search records.

- α trajectories: a grid of subplots, row = destination node, column = source node, one line per
  op over the epochs (DARTS-PRIME Fig. 1).
- The FIMT schedule: trace, its EMA and the threshold per w-step, α-steps marked (Fig. 3).
- Op-weight entropy over the epochs (GAEA Fig. 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from darts_lab.arch.architecture import mean_entropy  # noqa: E402
from darts_lab.export.artifacts import save_figure


def plot_alpha_trajectories(
    history: Sequence[Mapping[str, torch.Tensor]],
    cell: str,
    ops: Sequence[str],
    edges: Sequence[tuple[int, int]],
    path: Path,
    edge_ops: Sequence[Sequence[str]] | None = None,
) -> Path:
    """history: per epoch the op weights {cell type: [edges, ops]}. edge_ops: per edge the names
    of its α columns where edges differ (R-DARTS S1): each subplot then has its own legend."""
    per_edge = edge_ops is not None and any(list(row) != list(ops) for row in edge_ops)
    curves = torch.stack([h[cell] for h in history])  # [epochs, edges, ops]
    sources = sorted({a for a, _ in edges})
    targets = sorted({b for _, b in edges})
    fig, axes = plt.subplots(
        len(targets),
        len(sources),
        figsize=(2.2 * len(sources), 1.8 * len(targets)),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for ax in axes.flat:
        ax.set_visible(False)
    epochs = range(1, len(history) + 1)
    for e, (a, b) in enumerate(edges):
        ax = axes[targets.index(b), sources.index(a)]
        ax.set_visible(True)
        for o, op in enumerate(edge_ops[e] if per_edge else ops):
            ax.plot(epochs, curves[:, e, o].tolist(), label=op, lw=1.2)
        ax.set_title(f"{a} → {b}" if a != b else f"node {a}", fontsize=8)
        ax.tick_params(labelsize=7)
        if per_edge:
            ax.legend(fontsize=5, frameon=False)
    if not per_edge:  # one legend: every edge has the same ops
        handles, labels = next(a for a in axes.flat if a.get_visible()).get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower left", fontsize=7, ncol=2, frameon=False)
    fig.suptitle(f"{cell}: op weights per edge over the epochs")
    fig.supxlabel("epoch", fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)
    return path


def plot_schedule(steps: Sequence[Mapping[str, float]], path: Path) -> Path:
    """steps: per w-step the FIMT trace, EMA, threshold and whether an α-step followed."""
    n = range(len(steps))
    fig, ax = plt.subplots(figsize=(8, 3.2))
    for key, style in (("fimt/trace", ":"), ("fimt/ema", "-"), ("fimt/threshold", "--")):
        ax.plot(n, [s[key] for s in steps], style, lw=1, label=key.split("/")[1])
    stepped = [i for i, s in enumerate(steps) if s["fimt/arch_step"]]
    ax.plot(stepped, [steps[i]["fimt/ema"] for i in stepped], "|", ms=8, label="α-step")
    positive = all(s[k] > 0 for s in steps for k in ("fimt/trace", "fimt/ema"))
    if positive and not any(math.isnan(s["fimt/threshold"]) for s in steps):
        ax.set_yscale("log")
    ax.set_xlabel("w-step")
    ax.set_title(f"FIMT schedule: {len(stepped)} α-steps in {len(steps)} w-steps")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)
    return path


def plot_entropy(entropies: Sequence[float], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(4.5, 3))
    ax.plot(range(1, len(entropies) + 1), entropies, marker="o", ms=3)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean op-weight entropy")
    ax.set_title("Entropy of the op weights")
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)
    return path


def search_figures(
    alpha_history: Sequence[Mapping[str, torch.Tensor]],
    schedule_history: Sequence[Mapping[str, float]],
    ops: Sequence[str],
    edges: Sequence[tuple[int, int]],
    run_dir: Path,
    op_table: Mapping[str, Sequence[Sequence[str]]] | None = None,
) -> list[Path]:
    """Every figure the recorded history supports, as PNGs in the run directory. op_table: per
    cell type the names of each edge's α columns (the space's `op_table()`)."""
    if not alpha_history:
        return []
    names = op_table or {}
    paths = [
        plot_alpha_trajectories(
            alpha_history, cell, ops, edges, run_dir / f"alphas_{cell}.png", names.get(cell)
        )
        for cell in alpha_history[0]
    ]
    paths.append(plot_entropy([mean_entropy(h) for h in alpha_history], run_dir / "entropy.png"))
    if schedule_history and "fimt/ema" in schedule_history[0]:
        paths.append(plot_schedule(schedule_history, run_dir / "fimt_schedule.png"))
    return paths
