"""What perturbation selection adds to a search's seconds: each base row of `make regret` and its
`+pt` row (conf/regret.yaml, the same overrides) run in turn, base then +pt, seed by seed, one
search at a time with one thread, on this machine in this call. Each search's seconds come from
its timing.json; its regret must equal the published row's (the same computation, or the timing
would compare different work). Prints a Markdown table: per pair the median seconds of both,
the median of the per-seed differences and ratios; then make regret's equal-cost table for these
rows with those medians as their costs (the published regrets, the baselines as the report runs
them). Each search's own seconds and regret go to stderr. `--priced ROW=SECONDS ...` prints only
the equal-cost table, for costs measured before.

    OMP_NUM_THREADS=1 python scripts/selection_cost.py --seeds 0 1 2 --pairs darts:darts_pt \
        pcdarts:pcdarts_pt gaea_darts_erm:gaea_darts_erm_pt \
        > scripts/selection/cost.md 2> scripts/selection/cost.log
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
from datetime import datetime, timezone
from pathlib import Path

import torch

from darts_lab.embedded.regret_rows import row_overrides
from darts_lab.export.tables import markdown_table
from darts_lab.oracle.embedded import RESULTS
from darts_lab.perf import machine_id


def published_row(row: str) -> dict:
    """make regret's published results for `row` (seeds and regrets), or exit naming the row."""
    published = json.loads(RESULTS.read_text())["methods"]
    if row not in published:
        sys.exit(f"{RESULTS} has no row {row!r} (run `make regret` with it in conf/regret.yaml)")
    return published[row]


def timed_search(experiment: str, seed: int, run_dir: Path) -> tuple[float, float]:
    """One search of `experiment`'s make regret row at `seed`: (search seconds, regret in points),
    the regret checked against the published one of that seed."""
    overrides = row_overrides(experiment)
    if overrides is None:
        sys.exit(f"conf/regret.yaml has no row {experiment!r}")
    published = published_row(experiment)
    by_seed = dict(zip(map(str, published["seeds"]), published["regret"], strict=True))
    expected = by_seed.get(str(seed))
    if expected is None:
        sys.exit(f"{experiment} has no published seed {seed}: its regret could not be checked")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_MODE": "offline"}
    command = [sys.executable, "-m", "darts_lab.search", *overrides, f"seed={seed}",
               "perf.threads=1", f"hydra.run.dir={run_dir}"]  # fmt: skip
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    seconds = json.loads((run_dir / "timing.json").read_text())["search_seconds"]
    regret = 100 * json.loads((run_dir / "oracle.json").read_text())["regret"]
    if abs(expected - regret) > 1e-9:
        sys.exit(f"{experiment} seed {seed}: regret {regret} is not the published {expected}")
    return seconds, regret


def priced_verdicts(costs: dict[str, float]) -> None:
    """make regret's equal-cost table for these rows, each costed at `costs[row]` seconds."""
    from darts_lab.baseline.report import Baselines, matched_cost
    from darts_lab.oracle.embedded import EmbeddedOracle

    regrets = {row: published_row(row)["regret"] for row in costs}
    rows = {row: [{"regret": r / 100, "search_seconds": costs[row]} for r in regret]
            for row, regret in regrets.items()}  # fmt: skip
    seeds = max(len(regret) for regret in regrets.values())  # as the report's aggregate takes them
    table, _ = matched_cost(rows, Baselines(EmbeddedOracle.table_view([{}]), range(seeds)))
    print("\nAt equal or lower cost, with these seconds (make regret's rule and baselines):\n")
    print("\n".join(markdown_table(table)))


def pair(text: str) -> tuple[str, str]:
    base, _, plus_pt = text.partition(":")
    if not base or not plus_pt:
        raise argparse.ArgumentTypeError(f"{text!r}: expected BASE:PLUS_PT, e.g. darts:darts_pt")
    return base, plus_pt


def price(text: str) -> tuple[str, float]:
    row, _, seconds = text.partition("=")
    try:
        return row, float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected ROW=SECONDS, e.g. darts=87") from None


def main() -> None:
    torch.set_num_threads(1)  # the searches run in subprocesses; the baselines are table lookups
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--pairs", nargs="+", type=pair, help="BASE:PLUS_PT rows, timed here")
    which.add_argument("--priced", nargs="+", type=price, help="ROW=SECONDS: equal-cost table only")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = parser.parse_args()
    if args.priced:
        priced_verdicts(dict(args.priced))
        return
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"Measured `python scripts/selection_cost.py {' '.join(sys.argv[1:])}`, {started}, "
        f"machine {machine_id()} ({os.cpu_count()} cores), one search at a time, 1 thread.\n"
    )
    print("| base row | + pt row | seeds | base s (median) | + pt s (median) "
          "| added s (median, per seed) | ratio (median, per seed) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    medians: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="selection_cost_") as tmp:
        for base, plus_pt in args.pairs:
            seconds: dict[str, list[float]] = {base: [], plus_pt: []}
            for seed in args.seeds:
                for experiment in (base, plus_pt):
                    took, regret = timed_search(
                        experiment, seed, Path(tmp) / f"{experiment}_{seed}"
                    )
                    seconds[experiment].append(took)
                    print(f"{experiment} seed {seed}: {took:.1f} s, regret {regret:.2f}",
                          file=sys.stderr, flush=True)  # fmt: skip
            medians |= {row: statistics.median(seconds[row]) for row in (base, plus_pt)}
            added = [p - b for b, p in zip(seconds[base], seconds[plus_pt], strict=True)]
            ratio = [p / b for b, p in zip(seconds[base], seconds[plus_pt], strict=True)]
            print(f"| {base} | {plus_pt} | {len(args.seeds)} "
                  f"| {medians[base]:.0f} | {medians[plus_pt]:.0f} "
                  f"| {statistics.median(added):+.0f} ({', '.join(f'{a:+.0f}' for a in added)}) "
                  f"| {statistics.median(ratio):.2f} ({', '.join(f'{r:.2f}' for r in ratio)}) |",
                  flush=True)  # fmt: skip
    priced_verdicts(medians)


if __name__ == "__main__":
    main()
