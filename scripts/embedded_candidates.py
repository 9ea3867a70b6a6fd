"""Measure candidate protocols of the embedded benchmark before building one (docs/embedded.md,
"Candidate protocols"): each candidate trains the same seeded sample of distinct NB201 cells
with two seeds and is scored by Kendall τ against CIFAR-10 (AnalogNAS-Bench), seed-to-seed τ,
best − median in seed stds, and its cost (seconds per run, the full build's minutes at 2
processes).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/embedded_candidates.py --sample 150 \\
        --out scripts/candidates
    .venv/bin/python scripts/embedded_candidates.py --report   # candidates.md + .png only
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace
from pathlib import Path

from darts_lab.data.analognas_bench import load_accuracies, shipped_table
from darts_lab.embedded.build import build
from darts_lab.embedded.cells import all_cells
from darts_lab.embedded.protocol import Protocol
from darts_lab.embedded.validate import transfer

# the first table's protocol: scikit-learn's 8×8 digits (issue #35 replaced it by Fashion-MNIST)
BASE = Protocol(
    dataset="digits", image_size=8, cells_per_stage=2, epochs=5, val_images=287, train_images=None
)
CANDIDATES: dict[str, Protocol] = {
    "8px c4 n2 e5 (the digits table)": BASE,
    "8px c4 n2 e5 shift1": replace(BASE, shift=1),
    "16px c4 n1 e5 shift2": replace(BASE, image_size=16, cells_per_stage=1, shift=2),
    "8px c4 n2 e10 b128 lr0.1": replace(BASE, epochs=10, batch_size=128, lr=0.1),
    "8px c4 n1 e20 b256 lr0.2": replace(BASE, cells_per_stage=1, epochs=20, batch_size=256, lr=0.2),
    "8px c8 n2 e10 b128 lr0.1": replace(BASE, channels=8, epochs=10, batch_size=128, lr=0.1),
    "8px c16 n1 e10 b128 lr0.1": replace(
        BASE, channels=16, cells_per_stage=1, epochs=10, batch_size=128, lr=0.1
    ),
    "8px c8 n1 e10 b128 lr0.1": replace(
        BASE, channels=8, cells_per_stage=1, epochs=10, batch_size=128, lr=0.1
    ),
}
# Fashion-MNIST's shipped 16 px subset (issue #35): 1,000 validation images held out of 11,000
FASHION = replace(
    BASE, dataset="fashion_mnist", image_size=16, cells_per_stage=1, val_images=1000, epochs=2
)
CANDIDATES.update(
    {
        "fmnist16 c4 n1 10k e2 b64 (shipped)": replace(FASHION, train_images=10000),
        "fmnist16 c4 n1 10k e2 b128 lr0.1": replace(
            FASHION, train_images=10000, batch_size=128, lr=0.1
        ),
        "fmnist16 c4 n1 10k e3 b128 lr0.1": replace(
            FASHION, train_images=10000, epochs=3, batch_size=128, lr=0.1
        ),
        # from here on the shipped subset's test set holds 5,000 images (2,000 before)
        "fmnist16 c4 n1 10k e3 b128 lr0.1 test5k": replace(
            FASHION, train_images=10000, epochs=3, batch_size=128, lr=0.1
        ),
        "fmnist16 c8 n1 10k e2 b128 lr0.1": replace(
            FASHION, channels=8, train_images=10000, batch_size=128, lr=0.1
        ),
    }
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("scripts/candidates"))
    parser.add_argument("--only", nargs="*", default=None, help="candidate names to run")
    parser.add_argument("--report", action="store_true", help="only redraw the plot and table")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.report:
        print(f"τ vs cost: {plot(args.out)}; table: {markdown(args.out)}")
        return
    external = load_accuracies(shipped_table("--external"), option="--external")
    rows = []
    for name, protocol in CANDIDATES.items():
        if args.only and name not in args.only:
            continue
        protocol = replace(protocol, seeds=(0, 1))
        path = args.out / (name.replace(" ", "_").replace("(", "").replace(")", "") + ".json")
        table = build(path, protocol, args.jobs, sample=args.sample)
        q, t = table.quality(), transfer(table, external)
        seconds = statistics.mean(r["seconds"] for e in table.cells.values() for r in e["runs"])
        full = len(all_cells(protocol.ops)) * 3 * seconds / args.jobs / 60
        row = {
            "candidate": name,
            "tau_cifar10": round(t["kendall_tau"], 3),
            "spearman_cifar10": round(t["spearman"], 3),
            "top10_overlap": round(t["top10_overlap"], 2),
            "best_cell_cifar10_pct": round(t["best_cell_external_percentile"]),
            "seed_tau": round(q["kendall_tau"], 3),
            "gap_over_std": round(q["gap_over_std"], 2),
            "s_per_run": round(seconds, 2),
            "full_build_min_3_seeds": round(full, 1),
            "params_tau": round(t["params_kendall_tau"], 3),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        with (args.out / "candidates.jsonl").open("a") as f:
            f.write(json.dumps(row) + "\n")
    print(f"τ vs cost: {plot(args.out)}; table: {markdown(args.out)}")


COLUMNS = {  # candidates.jsonl key → column of candidates.md
    "candidate": "candidate",
    "tau_cifar10": "τ vs CIFAR-10",
    "spearman_cifar10": "Spearman",
    "top10_overlap": "top-10 % overlap",
    "best_cell_cifar10_pct": "best cell's CIFAR-10 pct",
    "seed_tau": "seed τ",
    "gap_over_std": "gap / seed std",
    "params_tau": "#params τ",
    "s_per_run": "s per run",
    "full_build_min_3_seeds": "build (min)",
}


def markdown(out: Path) -> Path:
    """candidates.jsonl as the Markdown table the docs include (docs/embedded.md)."""
    rows = [json.loads(line) for line in (out / "candidates.jsonl").read_text().splitlines()]
    lines = ["| " + " | ".join(COLUMNS.values()) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r.get(k, "")) for k in COLUMNS) + " |" for r in rows]
    (out / "candidates.md").write_text("\n".join(lines) + "\n")
    return out / "candidates.md"


def plot(out: Path) -> Path:
    """τ vs CIFAR-10 and seed-to-seed τ against the full build's cost, one point per candidate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in (out / "candidates.jsonl").read_text().splitlines()]
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, marker, label in (("tau_cifar10", "o", "τ vs CIFAR-10"), ("seed_tau", "s", "seed τ")):
        ax.scatter([r["full_build_min_3_seeds"] for r in rows], [r[key] for r in rows],
                   marker=marker, label=label)  # fmt: skip
    for r in rows:
        ax.annotate(r["candidate"], (r["full_build_min_3_seeds"], r["tau_cifar10"]), fontsize=6)
    ax.axhline(0.6, color="gray", ls="--", lw=0.8)  # issue #35's target τ vs CIFAR-10
    ax.axvline(180, color="gray", ls=":", lw=0.8)  # and its build budget (3 h)
    ax.set(xlabel="full build, 3 seeds, 2 processes (min, this machine)", ylabel="Kendall τ")
    ax.set_title("embedded benchmark candidates (150-cell sample)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "candidates.png", dpi=120)
    plt.close(fig)
    return out / "candidates.png"


if __name__ == "__main__":
    main()
