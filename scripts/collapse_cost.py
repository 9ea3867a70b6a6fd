"""The cost of the anti-collapse methods relative to DARTS, and of the Hessian diagnostic per
call, side by side in one run on one machine (README "Collapse"): each search runs in its own
process, one after another, with one torch thread, on the embedded overlay (seed 0, the same
epochs for all); the ratio divides each row's search seconds by DARTS's from the same run.

    .venv/bin/python scripts/collapse_cost.py --epochs 6 --out scripts/collapse
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROWS = [
    "darts",
    "darts_es",
    "beta_darts",
    "darts_minus",
    "fair_darts",
    "drnas",
    "sdarts_rs",
    "sdarts_adv",
    "rdarts_l2",
    "rdarts_dp",
]
# the Hessian per call at the two search sizes: the embedded NB201 cell (24 α) and the DARTS CNN
# supernet at the paper's size (8 cells, 16 channels: 224 α) on digits (8×8 inputs; CIFAR's
# 32×32 costs ~16× the activations per image)
HESSIAN = {
    "nb201 embedded, exact": ["+overlay=embedded", "callbacks=hessian"],
    # auto: power iteration (224 α > max_exact); an exact Hessian here is 224 double-backward
    # passes (505 s for the tiny test supernet on this machine: not worth a benchmark run)
    "darts_cnn_paper on digits, power": ["dataset=digits", "callbacks=hessian"],
}


def search(out: Path, overrides: list[str]) -> Path:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_MODE": "offline"}
    quiet = ["logger=none", "trainer.enable_progress_bar=false", "perf.threads=1"]
    cmd = [sys.executable, "-m", "darts_lab.search", *overrides, *quiet, f"hydra.run.dir={out}"]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("scripts/collapse"))
    args = parser.parse_args()
    rows = {}
    for row in ROWS:
        overrides = [f"+experiment={row}", "+overlay=embedded", f"trainer.max_epochs={args.epochs}"]
        run = search(args.out / "runs" / row, overrides)
        rows[row] = json.loads((run / "timing.json").read_text())["search_seconds"]
        print(f"{row}: {rows[row]:.1f} s ({rows[row] / rows['darts']:.2f}× darts)", flush=True)
    hessian = {}
    for name, overrides in HESSIAN.items():
        run = search(args.out / "runs" / name.replace(" ", "_").replace(",", ""),
                     ["+experiment=darts", *overrides, "trainer.max_epochs=1",
                      "trainer.limit_train_batches=4", "trainer.limit_val_batches=1"])  # fmt: skip
        hessian[name] = json.loads((run / "hessian.json").read_text())["seconds_per_call"]
        print(f"Hessian, {name}: {hessian[name]:.2f} s per call", flush=True)
    result = {
        "epochs": args.epochs,
        "search_seconds": rows,
        "relative_to_darts": {r: s / rows["darts"] for r, s in rows.items()},
        "hessian_seconds_per_call": hessian,
    }
    (args.out / "collapse_cost.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
