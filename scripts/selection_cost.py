"""What perturbation selection adds to a search's seconds: each base row of `make regret` and its
`+pt` row (conf/regret.yaml, the same overrides) run in turn, base then +pt, seed by seed, one
search at a time with one thread, on this machine in this call. Each search's seconds come from
its timing.json; its regret is checked against the published row (the same computation, or the
timing would compare different work). Prints a Markdown table: per pair the median seconds of
both, the median of the per-seed differences and ratios; then make regret's equal-cost table for
these rows with those medians as their costs (the published regrets, the baselines as the
report runs them). `--priced ROW=SECONDS ...` prints only that table, for costs measured before.

    OMP_NUM_THREADS=1 python scripts/selection_cost.py --pairs darts:darts_pt pcdarts:pcdarts_pt \
        --seeds 0 1 2 > scripts/selection/cost.md
    python scripts/selection_cost.py --priced darts=87 darts_pt=141
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import torch

from darts_lab.embedded.regret_rows import row_overrides
from darts_lab.oracle.embedded import RESULTS
from darts_lab.perf import machine_id


def run_search(experiment: str, seed: int, run_dir: Path) -> tuple[float, float]:
    """One search of `experiment`'s row at `seed`: (search seconds, regret in points)."""
    overrides = row_overrides(experiment)
    if overrides is None:
        sys.exit(f"conf/regret.yaml has no row {experiment!r}")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_MODE": "offline"}
    command = [sys.executable, "-m", "darts_lab.search", *overrides, f"seed={seed}",
               "perf.threads=1", f"hydra.run.dir={run_dir}"]  # fmt: skip
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    seconds = json.loads((run_dir / "timing.json").read_text())["search_seconds"]
    regret = 100 * json.loads((run_dir / "oracle.json").read_text())["regret"]
    return seconds, regret


def check_published(experiment: str, seed: int, regret: float) -> None:
    row = json.loads(RESULTS.read_text())["methods"].get(experiment)
    if row is None or str(seed) not in map(str, row["seeds"]):
        return
    published = dict(zip(map(str, row["seeds"]), row["regret"], strict=True))[str(seed)]
    if abs(published - regret) > 1e-9:
        sys.exit(f"{experiment} seed {seed}: regret {regret} is not the published {published}")


def priced_verdicts(costs: dict[str, float]) -> None:
    """make regret's equal-cost table for these rows, each costed at `costs[row]` seconds."""
    from darts_lab.baseline.report import Baselines, matched_cost
    from darts_lab.oracle.embedded import EmbeddedOracle

    published = json.loads(RESULTS.read_text())["methods"]
    rows = {row: [{"regret": r / 100, "search_seconds": seconds} for r in published[row]["regret"]]
            for row, seconds in costs.items()}  # fmt: skip
    baselines = Baselines(EmbeddedOracle.table_view([{}]), range(10))
    table, _ = matched_cost(rows, baselines)
    print("\nAt equal or lower cost, with these seconds (make regret's rule and baselines):\n")
    print("| " + " | ".join(table[0]) + " |\n|" + "---|" * len(table[0]))
    for row in table:
        print("| " + " | ".join(row.values()) + " |")


def main() -> None:
    torch.set_num_threads(1)  # the searches run in subprocesses; the baselines are table lookups
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--pairs", nargs="+", help="base:plus_pt row names, timed here")
    which.add_argument("--priced", nargs="+", help="ROW=SECONDS: only the equal-cost table")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = parser.parse_args()
    if args.priced:
        priced_verdicts({r: float(s) for r, s in (p.split("=") for p in args.priced)})
        return
    pairs = [tuple(p.split(":")) for p in args.pairs]
    medians: dict[str, float] = {}
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"Measured `python scripts/selection_cost.py {' '.join(sys.argv[1:])}`, {started}, "
        f"machine {machine_id()} ({os.cpu_count()} cores), one search at a time, 1 thread.\n"
    )
    print("| base row | + pt row | seeds | base s (median) | + pt s (median) "
          "| added s (median, per seed) | ratio (median, per seed) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="selection_cost_") as tmp:
        for base, plus_pt in pairs:
            seconds: dict[str, list[float]] = {base: [], plus_pt: []}
            for seed in args.seeds:
                for experiment in (base, plus_pt):
                    took, regret = run_search(experiment, seed, Path(tmp) / f"{experiment}_{seed}")
                    check_published(experiment, seed, regret)
                    seconds[experiment].append(took)
                    print(f"{experiment} seed {seed}: {took:.1f} s, regret {regret:.2f}",
                          file=sys.stderr, flush=True)  # fmt: skip
            medians |= {row: statistics.median(seconds[row]) for row in (base, plus_pt)}
            added = [p - b for b, p in zip(seconds[base], seconds[plus_pt], strict=True)]
            ratio = [p / b for b, p in zip(seconds[base], seconds[plus_pt], strict=True)]
            print(f"| {base} | {plus_pt} | {len(args.seeds)} "
                  f"| {statistics.median(seconds[base]):.0f} "
                  f"| {statistics.median(seconds[plus_pt]):.0f} "
                  f"| {statistics.median(added):+.0f} ({', '.join(f'{a:+.0f}' for a in added)}) "
                  f"| {statistics.median(ratio):.2f} ({', '.join(f'{r:.2f}' for r in ratio)}) |",
                  flush=True)  # fmt: skip
    priced_verdicts(medians)


if __name__ == "__main__":
    main()
