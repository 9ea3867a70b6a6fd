"""DARTS-PT against Π_S on the same supernets: every job of a `selection=pt` sweep on the
embedded benchmark writes both cells (genotype_magnitude.json at the end of supernet training,
genotype.json after the perturbation selection), so one sweep is an exact paired comparison.
Prints a Markdown table (per seed: both cells' regret, parameter-free ops) and a paired Wilcoxon
test; the magnitude regrets are checked against the published DARTS row seed by seed.

    python scripts/selection_pairs.py multirun/regret_pt > scripts/selection/darts_pt.md
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch

from darts_lab.callbacks.param_free_ops import nb201_parameter_free
from darts_lab.embedded.table import SHIPPED, load_table
from darts_lab.lit.fingerprint import read_record
from darts_lab.oracle.embedded import RESULTS
from darts_lab.regret import collapsed
from darts_lab.search_space.base import genotype_from_json
from darts_lab.stats import bootstrap_ci, paired_p, unpaired_p


def main() -> None:
    torch.set_num_threads(1)  # a table lookup; no thread pool needed
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", type=Path)
    args = parser.parse_args()
    table = load_table(SHIPPED)
    published = json.loads(RESULTS.read_text())["methods"]["darts"]
    by_seed = dict(zip(published["seeds"], published["regret"], strict=True))
    rows = []
    for job in sorted(args.sweep.iterdir()):
        if not (job / "genotype.json").is_file() or not (job / "genotype_magnitude.json").is_file():
            continue
        seed = str(read_record(job)["config"]["seed"])
        cells = {}
        for name in ("genotype_magnitude.json", "genotype.json"):
            arch = str(genotype_from_json(json.loads((job / name).read_text())))
            score = table.score(arch)
            free = nb201_parameter_free(arch)
            cells[name] = (arch, 100 * score["regret"], collapsed(score, lambda _, f=free: f))
        seconds = json.loads((job / "timing.json").read_text())["search_seconds"]
        rows.append((seed, cells, seconds))
    rows.sort(key=lambda r: int(r[0]))
    random_search = json.loads(RESULTS.read_text())["methods"]["random search (k=10)"]["regret"]
    print("| seed | Π_S cell | regret | param-free | DARTS-PT cell | regret | param-free | "
          "published DARTS row |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for seed, cells, _ in rows:
        (m_arch, m, _), (p_arch, p, _) = cells["genotype_magnitude.json"], cells["genotype.json"]
        free = [nb201_parameter_free(a) for a in (m_arch, p_arch)]
        reference = by_seed.get(seed, float("nan"))
        print(f"| {seed} | `{m_arch}` | {m:.2f} | {free[0]} | `{p_arch}` | {p:.2f} | {free[1]} | "
              f"{reference:.2f} |")  # fmt: skip
    mag = [c["genotype_magnitude.json"][1] for _, c, _ in rows]
    pt = [c["genotype.json"][1] for _, c, _ in rows]
    print()
    for name, file in (
        ("Π_S (magnitude)", "genotype_magnitude.json"),
        ("DARTS-PT", "genotype.json"),
    ):
        values = [c[file][1] for _, c, _ in rows]
        low, high = bootstrap_ci(values)
        mean, median = statistics.mean(values), statistics.median(values)
        share = statistics.mean(c[file][2] for _, c, _ in rows)
        print(f"- {name}: mean regret {mean:.2f} points (95 % CI {low:.2f}-{high:.2f}), "
              f"median {median:.2f}, collapsed {100 * share:.0f} %, n = {len(values)}")  # fmt: skip
    print(f"- seconds per search (supernet + selection): {statistics.mean(r[2] for r in rows):.0f}")
    print(
        f"- DARTS-PT vs random search (k = 10, regret {statistics.mean(random_search):.2f}): "
        f"Mann-Whitney U p = {unpaired_p(pt, random_search):.3g}"
    )
    if len(rows) > 1:
        print(
            f"- paired Wilcoxon, DARTS-PT vs Π_S on the same supernets: p = {paired_p(pt, mag):.3g}"
        )
        published_regret = [by_seed.get(seed, float("nan")) for seed, _, _ in rows]
        print(
            "- paired Wilcoxon over the seeds, DARTS-PT vs the published DARTS row: "
            f"p = {paired_p(pt, published_regret):.3g}"
        )
    worst = [seed for seed, _, _ in rows if by_seed.get(seed, 0) > 10]
    for seed, cells, _ in rows:
        if seed in worst:
            print(
                f"- seed {seed} (the published DARTS row's regret {by_seed[seed]:.2f}): "
                f"DARTS-PT's cell {cells['genotype.json'][1]:.2f}"
            )
    same = sum(
        abs(m - by_seed.get(s, float("nan"))) < 1e-6 for (s, _, _), m in zip(rows, mag, strict=True)
    )
    print(f"- Π_S regret equal to the published DARTS row's on {same} of {len(rows)} seeds")


if __name__ == "__main__":
    main()
