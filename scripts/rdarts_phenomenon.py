"""R-DARTS's phenomenon on CPU (Zela et al. 2020, Fig. 1 and Table 1): on their spaces S2-S4,
does DARTS fill its cells with parameter-free ops (skip connections, "noise") more than the
remedies do? Each search runs DARTS's cell at a tiny size (3 cells, 4 channels) on the
Fashion-MNIST subset shipped in the package (16 px), one process and one torch thread each, the
same budget for every row; the measure is the share of parameter-free ops (skip_connect, pools,
none, noise: callbacks/param_free_ops.py) among the genes of the cells Π_S returns, per space and
row over seeds 0..N-1, with a bootstrap 95 % CI and a paired Wilcoxon test against DARTS (same
seed: the same split, initialisation and batch order).

    .venv/bin/python scripts/rdarts_phenomenon.py --estimate    # times one seed per row, on S3
    .venv/bin/python scripts/rdarts_phenomenon.py --out scripts/rdarts_phenomenon

Departures forced by the size, the same for every row: α Adam at 3e-2 (the embedded overlay's
100× DARTS's rate; at 3e-4 α stays near uniform in a few hundred steps), no α warm-up (DrNAS's
10 epochs would leave no α-steps), and DARTS-ES's rule scaled to the epochs (eigenvalue every
epoch, window 3, delta 2, from epoch 2, power iteration at tolerance 1e-2). A finished run is
kept: running the command again continues the sweep.

Not run yet: at the defaults (10 epochs of 10 w-steps) one second-order search (DARTS, R-DARTS
(L2)) took 177-196 s on the project's shared 2-core VM (--estimate, 2026-12-07), so the 150
searches come to about 6 hours of one core, more than this issue's budget.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from darts_lab.callbacks.param_free_ops import PARAMETER_FREE  # noqa: E402
from darts_lab.stats import bootstrap_ci, paired_p  # noqa: E402

SPACES = ("rdarts_s2", "rdarts_s3", "rdarts_s4")
ROWS = {  # their DARTS column is second order (--unrolled), as R-DARTS (L2) and DARTS-ES
    "DARTS": "darts_2nd",
    "R-DARTS (L2)": "rdarts_l2",
    "DARTS-ES": "darts_es",
    "SDARTS-RS": "sdarts_rs",
    "DrNAS": "drnas",
}
ES, CELLS = "callbacks.darts_es", ("normal", "reduce")
SCALED = {
    "darts_es": [f"{ES}.every_n_epochs=1", f"{ES}.window=3", f"{ES}.delta=2",
                 f"{ES}.start_epoch=2", f"{ES}.mode=power", f"{ES}.tol=1.0e-2"],
}  # fmt: skip


def tiny(epochs: int, batches: int) -> list[str]:
    """The size every row searches at."""
    return [
        "dataset=fashion_mnist",
        "dataset.embedded=true",
        "dataset.image_size=16",
        "dataset.batch_size=64",
        "search_space.layers=3",
        "search_space.init_channels=4",
        f"trainer.max_epochs={epochs}",
        f"trainer.limit_train_batches={batches}",
        "trainer.limit_val_batches=2",
        "arch_optimizer.lr=3.0e-2",
        "arch_warmup_epochs=0",
        "perf.threads=1",
        "logger=none",
        "figures=false",
        "trainer.enable_progress_bar=false",
    ]


def search(run_dir: Path, row: str, space: str, seed: int, size: list[str]) -> float:
    """One search in its own process (one thread); returns its wall seconds (0: kept)."""
    if (run_dir / "genotype.json").is_file():
        return 0.0
    overrides = [f"+experiment={row}", f"search_space={space}", f"seed={seed}", *size]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "WANDB_MODE": "offline"}
    cmd = [sys.executable, "-m", "darts_lab.search", *overrides, *SCALED.get(row, [])]
    start = time.perf_counter()
    subprocess.run(
        [*cmd, f"hydra.run.dir={run_dir}"], env=env, check=True, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - start


def shares(run_dir: Path) -> dict[str, float]:
    """The share of parameter-free genes in the normal cell and in both cells."""
    genotype = json.loads((run_dir / "genotype.json").read_text())
    genes = {cell: [op for node in genotype[cell] for op, _ in node] for cell in CELLS}

    def share(ops: list[str]) -> float:
        return sum(op in PARAMETER_FREE for op in ops) / len(ops)

    return {"normal": share(genes["normal"]), "both": share(genes["normal"] + genes["reduce"])}


def report(results: dict, seeds: int) -> str:
    """A markdown table per space: mean share [95 % CI], and the paired p against DARTS."""
    lines = [
        f"Share of parameter-free ops in Π_S's cells, {seeds} seeds (mean [bootstrap 95 % CI]);",
        "p: paired Wilcoxon signed-rank against DARTS on the same seeds.",
    ]
    for space in SPACES:
        lines += ["", f"**{space}**", "", "| row | normal cell | p | both cells | p |",
                  "|---|---|---|---|---|"]  # fmt: skip
        base = results[space]["DARTS"]
        for name in ROWS:
            runs = results[space][name]
            cells = []
            for part in ("normal", "both"):
                values = [r[part] for r in runs]
                low, high = bootstrap_ci(values)
                p = paired_p(values, [r[part] for r in base]) if name != "DARTS" else float("nan")
                cells += [f"{statistics.mean(values):.2f} [{low:.2f}, {high:.2f}]",
                          "—" if name == "DARTS" else f"{p:.3f}"]  # fmt: skip
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "scripts" / "rdarts_phenomenon")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batches", type=int, default=10, help="w-steps per epoch")
    parser.add_argument("--estimate", action="store_true", help="time one seed per row on S3")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"  # this process computes nothing heavy; its children:
    size = tiny(args.epochs, args.batches)  # one thread each (OMP_NUM_THREADS, perf.threads)
    if args.estimate:
        scratch = args.out / "estimate"
        seconds = {n: search(scratch / r, r, "rdarts_s3", 0, size) for n, r in ROWS.items()}
        total = sum(seconds.values()) * len(SPACES) * args.seeds
        print(json.dumps(seconds, indent=1), f"\nthe whole sweep: ~{total / 60:.0f} min")
        return
    results: dict = {space: {name: [] for name in ROWS} for space in SPACES}
    for seed in range(args.seeds):  # seed by seed: an interrupted sweep still pairs
        for space in SPACES:
            for name, row in ROWS.items():
                run_dir = args.out / "runs" / space / row / str(seed)
                seconds = search(run_dir, row, space, seed, size)
                results[space][name].append({"seed": seed, **shares(run_dir)})
                print(f"{space} {name} seed {seed}: {seconds:.0f} s", flush=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (args.out / "report.md").write_text(report(results, args.seeds))
    print(report(results, args.seeds))


if __name__ == "__main__":
    main()
