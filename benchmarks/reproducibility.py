"""Is `make search` the same computation on every x86 machine and thread count? Runs the
embedded search (make search's command) under different CPU kernels (ATEN_CPU_CAPABILITY:
the AVX2 kernels vs the plain ones, as two ISAs) and thread counts, one after the other, and
compares each run's final α (alphas.json) and cell with the first run's.

    .venv/bin/python benchmarks/reproducibility.py [--seed 0] [--precision 64-true] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

VARIANTS = {  # name → (environment, extra overrides)
    "avx2, 1 thread": ({"ATEN_CPU_CAPABILITY": "avx2"}, ["perf.threads=1"]),
    "avx2, 2 threads": ({"ATEN_CPU_CAPABILITY": "avx2"}, ["perf.threads=2"]),
    "no SIMD (default), 1 thread": ({"ATEN_CPU_CAPABILITY": "default"}, ["perf.threads=1"]),
}


def search(run_dir: Path, seed: int, precision: str, env: dict, extra: list[str]) -> float:
    command = [sys.executable, "-m", "darts_lab.search", "+experiment=darts", f"seed={seed}"]
    command += [f"trainer.precision={precision}", "logger=none"]
    command += ["trainer.enable_progress_bar=false", f"hydra.run.dir={run_dir}", *extra]
    command += ["+overlay=embedded"]
    start = time.perf_counter()
    subprocess.run(command, env={**os.environ, **env}, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", default="64-true")
    parser.add_argument("--out", type=Path, default=Path("outputs/reproducibility"))
    args = parser.parse_args()
    reference = None
    print(f"seed {args.seed}, trainer.precision={args.precision}")
    print("| variant | seconds | max abs Δα vs first | same cell | regret (points) |")
    print("|---|---|---|---|---|")
    for name, (env, extra) in VARIANTS.items():
        run_dir = args.out / args.precision / name.replace(" ", "_").replace(",", "")
        seconds = search(run_dir, args.seed, args.precision, env, extra)
        weights = json.loads((run_dir / "alphas.json").read_text())["weights"]["cell"]
        flat = [w for edge in weights for w in edge]
        bench = json.loads((run_dir / "benchmark.json").read_text())
        reference = reference or (flat, bench["arch"])
        diff = max(abs(a - b) for a, b in zip(flat, reference[0], strict=True))
        same = bench["arch"] == reference[1]
        print(f"| {name} | {seconds:.0f} | {diff:.1e} | {same} | {100 * bench['regret']:.2f} |")


if __name__ == "__main__":
    main()
