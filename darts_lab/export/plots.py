"""Cell diagrams of a genotype, drawn with matplotlib (no graphviz binary needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from darts_lab.export.artifacts import save_figure
from darts_lab.search_space.genotype import CellGenes  # noqa: E402


def plot_cell(
    genes: CellGenes, concat: list[int], path: Path, title: str = "", inputs: int = 2
) -> Path:
    """Input nodes on the left (DARTS: c_{k-2}, c_{k-1}; NB201: one), intermediate nodes in a
    column, the output on the right; each kept edge is an arrow labelled with its op."""
    steps = len(genes)
    pos = {0: (0.0, 0.75), 1: (0.0, 0.25)} if inputs == 2 else {0: (0.0, 0.5)}
    for i in range(steps):
        pos[i + inputs] = (1.0 + i, 1.0 - (i + 0.5) / steps)
    out = (steps + 1.0, 0.5)
    names = {0: "c_{k-2}", 1: "c_{k-1}"} if inputs == 2 else {0: "in"}
    names.update({i + inputs: str(i + inputs) for i in range(steps)})
    fig, ax = plt.subplots(figsize=(2.2 * (steps + 2), 3.6))
    for node, sources in enumerate(genes, start=inputs):
        for op, src in sources:
            (x0, y0), (x1, y1) = pos[src], pos[node]
            ax.annotate(
                "",
                xy=(x1, y1),
                xytext=(x0, y0),
                arrowprops={"arrowstyle": "->", "color": "0.3", "connectionstyle": "arc3,rad=0.12"},
            )
            ax.text(
                (x0 + x1) / 2, (y0 + y1) / 2 + 0.03, op, fontsize=7, ha="center", color="tab:blue"
            )
    for node in concat:
        ax.annotate(
            "",
            xy=out,
            xytext=pos[node],
            arrowprops={"arrowstyle": "->", "color": "0.75", "linestyle": "--"},
        )
    for node, (x, y) in pos.items():
        ax.text(
            x,
            y,
            names[node],
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": "round", "fc": "lightyellow" if node < inputs else "lightblue"},
        )
    ax.text(
        *out,
        "c_{k}",
        ha="center",
        va="center",
        fontsize=9,
        bbox={"boxstyle": "round", "fc": "palegreen"},
    )
    ax.set_xlim(-0.5, steps + 1.5)
    ax.set_ylim(-0.05, 1.05)
    ax.set_axis_off()
    ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    plt.close(fig)
    return path
