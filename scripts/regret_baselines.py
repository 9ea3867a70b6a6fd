"""The regret report's baseline sections rebuilt from the published one-shot rows, for when
multirun/regret (make regret's 190 searches) is not on this machine: the per-seed regrets of
darts_lab/embedded/regret_results.json, each row's mean search seconds from the published
scripts/regret/report.md, and the baselines computed from the shipped table, through the same
code `python -m darts_lab.report` runs (darts_lab/baseline/report.py). Writes
scripts/regret/baselines.md and scripts/regret/regret_vs_seconds.png.

What the published rows lack, and how it is filled: a seed's cell is not in them, only its
regret, which fixes its test accuracy (exact counts), hence its percentile; the collapse rule
also needs the cell's parameter-free count, known when every cell of that accuracy (every
spelling) agrees on it, or from a rerun of the seed (`--cells`, the cells found by rerunning
those seeds with the published settings, each checked to give the published regret); a seed
still undetermined makes its row's share a range. Each row's final entropy is the published
row mean; the CIFAR-10 column (which needs every seed's cell) is left to the published table.

    .venv/bin/python scripts/regret_baselines.py [--cells scripts/regret/cells.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from fractions import Fraction
from pathlib import Path

from darts_lab.baseline.report import Baselines, baseline_section, headline
from darts_lab.callbacks.param_free_ops import nb201_parameter_free
from darts_lab.embedded.cells import all_cells
from darts_lab.embedded.table import SHIPPED, load_table
from darts_lab.embedded.view import embedded_view, proxy_file
from darts_lab.export.tables import markdown_table
from darts_lab.regret import COLLAPSE_FREE_OPS, COLLAPSE_PERCENTILE, regret_rows

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "darts_lab" / "embedded" / "regret_results.json"
PUBLISHED = ROOT / "scripts" / "regret" / "report.md"
OUT = ROOT / "scripts" / "regret"


def published_columns(path: Path) -> dict[str, dict[str, str]]:
    """method → the published report.md's cells (both tables), by column name."""
    out: dict[str, dict[str, str]] = {}
    header: list[str] = []
    for line in path.read_text().splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            header = [] if not line.startswith("|") else header
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == "method":
            header = cells
        elif header:
            out.setdefault(cells[0], {}).update(zip(header, cells, strict=True))
    return out


def pseudo_runs(cells_file: Path | None) -> tuple[dict[str, list[dict]], dict[str, list]]:
    """method → one run per published seed (regret, test_acc, percentile, seconds, entropy, and
    the cell or its parameter-free count where known); method → seeds left undetermined."""
    table = load_table()
    exact = {key: table.exact_accuracy(entry) for key, entry in table.cells.items()}
    best, ordered = max(exact.values()), sorted(exact.values())
    images = sum(run["test_images"] for run in next(iter(table.cells.values()))["runs"])
    groups = all_cells(table.protocol["ops"])
    published = published_columns(PUBLISHED)
    known = json.loads(cells_file.read_text())["cells"] if cells_file else {}
    scores, open_seeds = {}, {}
    for method, row in json.loads(RESULTS.read_text())["methods"].items():
        if method.startswith("random search"):
            continue  # recomputed from the table
        seconds = float(published[method]["search (s)"].split("±")[0])
        entropy = float(published[method]["final entropy"])
        runs = []
        for seed, regret in zip(row["seeds"], row["regret"], strict=True):
            accuracy = best - Fraction(round(regret / 100 * images), images)
            percentile = 100 * sum(a <= accuracy for a in ordered) / len(ordered)
            run = {"seed": seed, "regret": float(best - accuracy), "test_acc": float(accuracy)}
            run.update(percentile=percentile, search_seconds=seconds, entropy=entropy)
            arch = known.get(method, {}).get(seed)
            if arch is not None:
                if abs(table.score(arch)["regret"] - run["regret"]) > 1e-12:
                    raise SystemExit(f"{method} seed {seed}: {arch} does not give its regret")
                run["arch"] = arch
            else:
                spellings = [s for k, e in exact.items() if e == accuracy for s in groups[k]]
                heavy = {nb201_parameter_free(s) >= COLLAPSE_FREE_OPS for s in spellings}
                if percentile >= COLLAPSE_PERCENTILE or len(heavy) == 1:
                    run["free"] = COLLAPSE_FREE_OPS if heavy == {True} else 0
                else:
                    open_seeds.setdefault(method, []).append(seed)
            runs.append(run)
        scores[method] = runs
    return scores, open_seeds


def free_ops(run: dict) -> int | None:
    if "arch" in run:
        return nb201_parameter_free(run["arch"])
    return run.get("free")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=Path, default=OUT / "cells.json")
    args = parser.parse_args()
    scores, open_seeds = pseudo_runs(args.cells if args.cells.is_file() else None)
    view = embedded_view(load_table(), proxy_file(SHIPPED))
    baselines = Baselines(view, range(10))
    extra = headline(baselines)
    rows = regret_rows({**scores, **extra}, free_ops, baselines=list(extra))
    published = published_columns(PUBLISHED)
    for row in rows:
        if row["method"] in published:
            row["collapsed (published rule)"] = published[row["method"]]["collapsed"]
        if seeds := open_seeds.get(row["method"]):  # these seeds counted as not collapsed
            low = round(100 * row["_collapsed"])
            row["collapsed"] = f"{low}-{low + 10 * len(seeds)} % (seeds {', '.join(seeds)} open)"
    with tempfile.TemporaryDirectory() as tmp:
        section = baseline_section(scores, baselines, Path(tmp), free_ops, lambda run: None)
        shutil.copy(Path(tmp) / "regret_vs_seconds.png", OUT / "regret_vs_seconds.png")
    lines = [
        "Rebuilt by `scripts/regret_baselines.py` from the published rows "
        "(regret_results.json: each seed's regret; report.md: each row's mean search seconds "
        "and final entropy) and the shipped table; collapsed: Π_S keeps ≥ 4 parameter-free ops "
        "of 6 AND scores below the table's median (darts_lab/regret.py).",
        "",
        *markdown_table(rows),
        *section,
    ]
    (OUT / "baselines.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
