"""Is `make search` the same computation on every x86 machine and thread count? Runs the
embedded search (make search's command) under different CPU kernels (AVX2 vs an SSE4-only
machine, emulated by capping ATen's, oneDNN's and MKL's kernel dispatch) and thread counts, one
after the other, and compares each run's final α (alphas.json) and cell with the first run's.

    .venv/bin/python scripts/reproducibility.py [--seed 0] [--precision 64-true] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

# an x86 machine without AVX, emulated: ATen's kernels, oneDNN's and MKL's BLAS each capped
SSE4 = {
    "ATEN_CPU_CAPABILITY": "default",
    "ONEDNN_MAX_CPU_ISA": "SSE41",
    "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
}
AVX2 = {"ATEN_CPU_CAPABILITY": "avx2"}  # ATen's AVX2 kernels; oneDNN, MKL as the CPU has them
AVX2_MACHINE = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
AVX2_MACHINE["MKL_ENABLE_INSTRUCTIONS"] = "AVX2"
VARIANTS = {  # name → (environment, extra overrides)
    "avx2, 1 thread": (AVX2, ["perf.threads=1"]),
    "avx2, 2 threads": (AVX2, ["perf.threads=2"]),
    "SSE4 only (no AVX), 1 thread": (SSE4, ["perf.threads=1"]),
    "native (this CPU's best), 1 thread": ({}, ["perf.threads=1"]),
    "AVX2 machine (ATen, oneDNN, MKL capped), 1 thread": (AVX2_MACHINE, ["perf.threads=1"]),
}


def search(run_dir: Path, seed: int, precision: str, env: dict, extra: list[str]) -> float:
    command = [sys.executable, "-m", "darts_lab.search", "+experiment=darts", f"seed={seed}"]
    command += [f"trainer.precision={precision}", "logger=none"]
    command += ["trainer.enable_progress_bar=false", f"hydra.run.dir={run_dir}", *extra]
    command += ["+overlay=embedded"]
    start = time.perf_counter()
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", default="64-true")
    parser.add_argument("--out", type=Path, default=Path("outputs/reproducibility"))
    args = parser.parse_args()
    reference = None
    print(f"seed {args.seed}, trainer.precision={args.precision}\n")  # Markdown: blank line
    print("| variant | seconds | max abs Δα vs first | same cell | regret (points) |")
    print("|---|---|---|---|---|")
    for name, (env, extra) in VARIANTS.items():
        run_dir = args.out / args.precision / "".join(c if c.isalnum() else "_" for c in name)
        seconds = float("nan")  # a finished variant of an earlier call is reused
        if not (run_dir / "alphas.json").is_file():
            seconds = search(run_dir, args.seed, args.precision, env, extra)
        weights = json.loads((run_dir / "alphas.json").read_text())["weights"]["cell"]
        flat = [w for edge in weights for w in edge]
        bench = json.loads((run_dir / "oracle.json").read_text())
        reference = reference or (flat, bench["arch"])
        diff = max(abs(a - b) for a, b in zip(flat, reference[0], strict=True))
        same = bench["arch"] == reference[1]
        print(f"| {name} | {seconds:.0f} | {diff:.1e} | {same} | {100 * bench['regret']:.2f} |")


if __name__ == "__main__":
    main()
