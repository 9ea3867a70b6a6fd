"""R-DARTS's phenomenon on CPU (Zela et al. 2020, Fig. 1 and Table 1): on their spaces S2-S4,
does DARTS fill its cells with parameter-free ops (skip connections, "noise") more than the
remedies do? Each search runs DARTS's cell (4 nodes, 14 edges) at a tiny size (3 cells, 4
channels) on the Fashion-MNIST subset shipped in the package (16 px), one torch thread per job,
two jobs at a time (a Hydra multirun with joblib: one import per worker), the same budget for
every row; the measure is the share of parameter-free ops (skip_connect, pools, none, noise:
callbacks/param_free_ops.py) among the genes of the cells Π_S returns, per space and row over
seeds 0..N-1, with a bootstrap 95 % CI and a paired Wilcoxon test against DARTS (same seed: the
same split, initialisation and batch order), and the dominant Hessian eigenvalue of the α loss
(callbacks=[hessian]; DARTS-ES's own) at its first and last check.

    .venv/bin/python scripts/rdarts_phenomenon.py --estimate    # times one seed per row, on S3
    .venv/bin/python scripts/rdarts_phenomenon.py --report-only # the report of the jobs finished
    .venv/bin/python scripts/rdarts_phenomenon.py --out scripts/rdarts_phenomenon

Departures forced by the size, the same for every row: α Adam at 3e-2 (the embedded overlay's
100× DARTS's rate; at 3e-4 α stays near uniform in a few hundred steps), no α warm-up (DrNAS's
10 epochs would leave no α-steps), the eigenvalue every 2 epochs by power iteration at
tolerance 1e-2, and DARTS-ES's rule scaled to the epochs (window 2, delta 1, from epoch 2). A
finished job is kept (resume=auto): running the command again continues the sweep.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
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
CELLS = ("normal", "reduce")
HESSIAN = "callbacks.hessian"
ES = "callbacks.darts_es"
# the eigenvalue every 2 epochs by power iteration: the plain rows through callbacks=[hessian],
# DARTS-ES through its own callback, with its stop rule scaled to the epochs
WATCH = {
    "plain": ["callbacks=[hessian]", f"{HESSIAN}.every_n_epochs=2", f"{HESSIAN}.mode=power",
              f"{HESSIAN}.tol=1.0e-2"],
    "darts_es": [f"{ES}.every_n_epochs=2", f"{ES}.window=2", f"{ES}.delta=1",
                 f"{ES}.start_epoch=2", f"{ES}.mode=power", f"{ES}.tol=1.0e-2"],
}  # fmt: skip


def tiny(epochs: int, batches: int) -> list[str]:
    """The size every row searches at (their cell: 4 nodes)."""
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


def sweep(out: Path, rows: list[str], spaces: tuple[str, ...], seed: int, size: list[str]) -> None:
    """One seed of every row and space: a Hydra multirun per group of rows (DARTS-ES watches
    with its own callback), 2 jobs at a time with one thread each, into out/runs/seed<N>/<group>;
    finished jobs are kept (resume=auto)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "WANDB_MODE": "offline"}
    launch = [
        f"seed={seed}", f"search_space={','.join(spaces)}", "resume=auto",
        "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
    ]  # fmt: skip
    groups = {"plain": [r for r in rows if r != "darts_es"], "darts_es": ["darts_es"]}
    for group, experiments in groups.items():
        if not set(experiments) & set(rows):
            continue
        # a job folder per job number (the same command numbers its jobs the same way)
        runs = out / "runs" / f"seed{seed}" / group
        where = [f"hydra.sweep.dir={runs}", "hydra.sweep.subdir=${hydra.job.num}"]
        command = [sys.executable, "-m", "darts_lab.search", "-m",
                   f"+experiment={','.join(experiments)}", *size, *WATCH[group], *launch,
                   *where]  # fmt: skip
        subprocess.run(command, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def job(run_dir: Path) -> tuple[str, str, int] | None:
    """(experiment, space, seed) from a job's overrides (.hydra/overrides.yaml)."""
    overrides = run_dir / ".hydra" / "overrides.yaml"
    if not overrides.is_file():
        return None
    text = overrides.read_text()
    found = [re.search(rf"{key}=(\w+)", text) for key in ("experiment", "search_space", "seed")]
    if not all(found):
        return None
    experiment, space, seed = (m.group(1) for m in found)
    return experiment, space, int(seed)


def shares(run_dir: Path) -> dict[str, float]:
    """The share of parameter-free genes in the normal cell and in both cells, and the dominant
    eigenvalue at the first and the last check."""
    genotype = json.loads((run_dir / "genotype.json").read_text())
    genes = {cell: [op for node in genotype[cell] for op, _ in node] for cell in CELLS}

    def share(ops: list[str]) -> float:
        return sum(op in PARAMETER_FREE for op in ops) / len(ops)

    values = json.loads((run_dir / "hessian.json").read_text())["eigenvalues"]
    return {
        "normal": share(genes["normal"]),
        "both": share(genes["normal"] + genes["reduce"]),
        "eig_first": values[0],
        "eig_last": values[-1],
    }


def collect(out: Path, seeds: int) -> dict:
    """results[space][row name] = per seed (in seed order) its shares, for finished jobs."""
    names = {experiment: name for name, experiment in ROWS.items()}
    results: dict = {space: {name: {} for name in ROWS} for space in SPACES}
    for run_dir in sorted((out / "runs").glob("*/*/*")):
        key = job(run_dir)
        if key and (run_dir / "genotype.json").is_file() and key[2] < seeds:
            experiment, space, seed = key
            results[space][names[experiment]][seed] = {"seed": seed, **shares(run_dir)}
    return {
        space: {name: [runs[s] for s in sorted(runs)] for name, runs in rows.items()}
        for space, rows in results.items()
    }


def compared(
    runs: list[dict], base: dict, value: Callable[[dict], float], paired: bool
) -> list[str]:
    """Mean [bootstrap 95 % CI] of `value` over the runs, and the paired Wilcoxon p against the
    same seeds of DARTS (`base`), "—" where none is defined (DARTS itself, one seed)."""
    values = [value(r) for r in runs]
    low, high = bootstrap_ci(values) if len(values) > 1 else (values[0], values[0])
    pairs = [(value(r), value(base[r["seed"]])) for r in runs if r["seed"] in base]
    p = paired_p(*map(list, zip(*pairs, strict=True))) if paired and len(pairs) > 1 else math.nan
    return [f"{statistics.mean(values):.2f} [{low:.2f}, {high:.2f}]",
            "—" if math.isnan(p) else f"{p:.3f}"]  # fmt: skip


def report(results: dict, seeds: int, size: str) -> str:
    """A markdown table per space: mean share [95 % CI] and the paired p against DARTS, the
    eigenvalue's mean at the first and last check, and its change with the same test."""
    lines = [
        f"Share of parameter-free ops in Π_S's cells (mean [bootstrap 95 % CI] over the seeds"
        f" finished of {seeds}); p: paired Wilcoxon signed-rank against DARTS on the same seeds;"
        f" λ: the dominant Hessian eigenvalue of the α loss, mean at the first → last check;"
        f" Δλ: last − first, ×100. Size: {size}.",
    ]
    for space in SPACES:
        lines += ["", f"**{space}**", "",
                  "| row | n | normal cell | p | both cells | p | λ first → last | Δλ ×100 | p |",
                  "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        base = {r["seed"]: r for r in results[space]["DARTS"]}
        for name in ROWS:
            runs = results[space][name]
            if not runs:
                lines.append(f"| {name} | 0 | — | — | — | — | — | — | — |")
                continue
            paired = name != "DARTS"
            cells = [
                *compared(runs, base, lambda r: r["normal"], paired),
                *compared(runs, base, lambda r: r["both"], paired),
            ]
            first = statistics.mean(r["eig_first"] for r in runs)
            last = statistics.mean(r["eig_last"] for r in runs)
            change = compared(runs, base, lambda r: 100 * (r["eig_last"] - r["eig_first"]), paired)
            lines.append(
                f"| {name} | {len(runs)} | "
                + " | ".join(cells)
                + f" | {first:.3g} → {last:.3g} | "
                + " | ".join(change)
                + " |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "scripts" / "rdarts_phenomenon")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batches", type=int, default=6, help="w-steps per epoch")
    parser.add_argument("--estimate", action="store_true", help="time one seed per row on S3")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the report from the finished jobs"
    )
    args = parser.parse_args()
    size = tiny(args.epochs, args.batches)
    described = (
        f"{args.epochs} epochs × {args.batches} w-steps, batch 64, 16 px Fashion-MNIST, 3 cells × "
        "4 channels, 4 nodes"
    )
    if args.estimate:
        start = time.perf_counter()
        sweep(args.out / "estimate", list(ROWS.values()), ("rdarts_s3",), 0, size)
        seconds = time.perf_counter() - start
        total = seconds * len(SPACES) * args.seeds
        print(f"one seed of every row on S3: {seconds:.0f} s (2 jobs at a time); "
              f"the whole sweep: ~{total / 60:.0f} min")  # fmt: skip
        return
    if args.report_only:
        text = report(collect(args.out, args.seeds), args.seeds, described)
        (args.out / "report.md").write_text(text)
        print(text)
        return
    for seed in range(args.seeds):  # seed by seed: a sweep cut short still pairs every row
        sweep(args.out, list(ROWS.values()), SPACES, seed, size)
        results = collect(args.out, args.seeds)
        (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        text = report(results, args.seeds, described)
        (args.out / "report.md").write_text(text)
        print(f"seed {seed} done", flush=True)
    print(text)


if __name__ == "__main__":
    main()
