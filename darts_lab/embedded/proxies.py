"""Zero-cost proxies on the embedded benchmark (`python -m darts_lab.embedded proxies`): every
distinct cell of a table scored by every proxy of conf/proxy/ (darts_lab/proxy/) for several
initialisations, and each proxy's ranking compared with the table's and with CIFAR-10's.

What a proxy scores for (cell, seed) is what the table's training run of that seed started
from: the protocol's network built after `torch.manual_seed(seed)` exactly as `train_cell`
builds it (same initial weights), and that run's first minibatch (`batch_size` images drawn by
the run's own generator). A cell's score is the median over the seeds (a rank statistic: the same
for any monotone rescaling of a proxy). A value that cannot be computed (nan, ±inf: jacob_cov or
nwot of a cell whose output ignores its input) is stored as null and ranks the cell last.

Resumable like `build`: each scored (cell, seed) is appended to `<out>.partial.jsonl` (its first
line the settings) and skipped by the next run; the finished file is written at the end.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from scipy import stats
from torch import nn
from tqdm import tqdm

from darts_lab.config import ConfigError
from darts_lab.embedded.build import code_version, finished_lines
from darts_lab.embedded.protocol import Protocol, protocol_splits, random_shift
from darts_lab.embedded.table import SHIPPED, Table
from darts_lab.embedded.validate import ranks
from darts_lab.export.artifacts import write_text
from darts_lab.proxy.base import Proxy
from darts_lab.search_space.nb201 import Nb201Genotype, Nb201Network

SCORES = SHIPPED.with_name("fashion_nb201_proxies.json")
Values = dict[str, float | None]  # proxy → score of one (cell, seed); None: not computable


class CellNetwork(nn.Module):
    """The protocol's NB201 network with the cell's op on every edge, as images → logits; the
    other ops' modules are built (so the weights are train_cell's), then dropped."""

    def __init__(self, arch: str, protocol: Protocol) -> None:
        super().__init__()
        ops = list(protocol.ops)
        self.net = Nb201Network(1, 10, protocol.channels, protocol.cells_per_stage, ops)
        self.choice = [ops.index(op) for op in Nb201Genotype.from_string(arch).ops]
        self.register_buffer("onehot", F.one_hot(torch.tensor(self.choice), len(ops)).float())
        for block in self.net.stages:  # drop the ops no edge runs (built first: same init RNG)
            for edge, i in zip(getattr(block, "edges", ()), self.choice, strict=False):
                edge.ops = nn.ModuleDict({ops[i]: edge.ops[ops[i]]} if ops[i] in edge.ops else {})
                edge.index = [i] if ops[i] in edge.ops else []
                edge.set_alive(torch.ones(len(ops), dtype=torch.bool))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x, {"cell": self.onehot}, {"cell": self.choice})


def cell_network(arch: str, seed: int, protocol: Protocol) -> CellNetwork:
    """The network the table's run (arch, seed) started training from."""
    torch.manual_seed(seed)
    return CellNetwork(arch, protocol).to(getattr(torch, protocol.dtype))


def first_batch(
    splits: dict, seed: int, protocol: Protocol, batch_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The first `batch_size` training images (and labels) of the table's run with this seed."""
    x, y = splits["train"]
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(y), generator=g)[:batch_size]
    return random_shift(x[idx], protocol.shift, g), y[idx]


def score_cell(
    arch: str, seed: int, protocol: Protocol, splits: dict, proxies: dict[str, Proxy], batch: int
) -> tuple[Values, dict[str, float]]:
    """Every proxy's score of (arch, seed), and the seconds each took."""
    net = cell_network(arch, seed, protocol)
    images, labels = first_batch(splits, seed, protocol, batch)
    values, seconds = {}, {}
    for name, proxy in proxies.items():
        start = time.perf_counter()
        value = proxy.score(net, images, labels)
        seconds[name] = time.perf_counter() - start
        values[name] = float(f"{value:.7g}") if math.isfinite(value) else None
    return values, seconds


def settings(table: Table, batch_size: int, seeds: list[int]) -> dict:
    return {"protocol": table.protocol, "batch_size": batch_size, "seeds": seeds}


def _resumed(out: Path, setup: dict) -> tuple[dict[tuple[str, int], Values], dict[str, list]]:
    """What earlier runs scored: the finished file, then the partial file's lines."""
    done: dict[tuple[str, int], Values] = {}
    seconds: dict[str, list] = {}
    if out.is_file():
        data = _read(out)
        if data.get("settings") != setup:
            raise ConfigError(
                f"--out {out} was scored with other settings ({data.get('settings')}); give "
                f"another --out or delete it"
            )
        for key, cell in data["cells"].items():
            for name, per_seed in cell["scores"].items():
                for seed, value in zip(setup["seeds"], per_seed, strict=True):
                    done.setdefault((key, seed), {})[name] = value
        seconds = {name: [t["total"], t["evaluations"]] for name, t in data["seconds"].items()}
    partial = out.with_suffix(".partial.jsonl")
    lines = finished_lines(partial) if partial.is_file() else []
    for number, line in enumerate(lines, 1):
        try:
            if number == 1:
                if json.loads(line) != setup:
                    raise ConfigError(f"{partial} was scored with other settings: delete it")
                continue
            key, seed, values, times = json.loads(line)
            done.setdefault((key, seed), {}).update(values)
            for name, t in times.items():
                total = seconds.setdefault(name, [0.0, 0])
                total[0], total[1] = total[0] + t, total[1] + 1
        except (ValueError, TypeError, AttributeError):
            raise ConfigError(
                f"{partial} line {number} is damaged: delete that line (or the file) and run again"
            ) from None
    return done, seconds


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        data["cells"], data["seconds"]  # noqa: B018 - both must be there
        return data
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not a proxy scores file ({type(e).__name__}: {e})") from None


def score_table(
    table: Table,
    out: Path,
    names: list[str],
    batch_size: int,
    seeds: list[int],
    limit: int | None = None,
) -> dict:
    """Score what is missing (the first `limit` cells of the table only, if given), append each
    (cell, seed) to the partial file as it finishes, and write the scores file."""
    torch.set_num_threads(1)  # seconds per cell on one core, like the table's runs
    protocol = Protocol(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in table.protocol.items()}
    )
    setup = settings(table, batch_size, seeds)
    done, seconds = _resumed(out, setup)
    cells = dict(list(table.cells.items())[:limit])
    order = list(cells)
    random.Random(0).shuffle(order)  # a run cut short holds a random sample of the cells
    todo = [(k, s) for k in order for s in seeds if set(names) - set(done.get((k, s), {}))]
    proxies = {name: Proxy.load(name, option="--proxies") for name in names}
    partial = out.with_suffix(".partial.jsonl")
    new = bool(todo) or partial.is_file() or not out.is_file()  # else: the file holds it all
    if todo:
        splits = protocol_splits(protocol)
        fresh = not partial.is_file() or not partial.read_text().strip()
        with partial.open("a") as log:
            if fresh:
                log.write(json.dumps(setup) + "\n")
            for key, seed in tqdm(todo, desc="scoring cells"):
                missing = {n: p for n, p in proxies.items() if n not in done.get((key, seed), {})}
                values, times = score_cell(
                    cells[key]["arch"], seed, protocol, splits, missing, batch_size
                )
                done.setdefault((key, seed), {}).update(values)
                for name, t in times.items():
                    total = seconds.setdefault(name, [0.0, 0])
                    total[0], total[1] = total[0] + t, total[1] + 1
                log.write(json.dumps([key, seed, values, times]) + "\n")
                log.flush()
    data = {
        "settings": setup,
        "code_version": code_version() if new else _read(out).get("code_version", "unknown"),
        "seconds": {n: {"total": round(t, 3), "evaluations": c} for n, (t, c) in seconds.items()},
        "cells": {
            key: {
                "arch": cells[key]["arch"],
                "scores": {n: [done[key, s][n] for s in seeds] for n in sorted(names)},
            }
            for key in cells
        },
    }
    if new:
        _write(out, data)
        partial.unlink(missing_ok=True)
    return data


def _write(out: Path, data: dict) -> None:
    """JSON with one cell a line (a diff shows which cells changed)."""
    head = {k: v for k, v in data.items() if k != "cells"}
    text = json.dumps(head, indent=1)[:-2] + ',\n "cells": {\n'
    rows = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in data["cells"].items()]
    write_text(out, text + ",\n".join(rows) + "\n }\n}\n")


def medians(data: dict, name: str, seed_index: int | None = None) -> list[float]:
    """Each cell's median score over the seeds, or its score with the seed at `seed_index`
    (null: −inf)."""
    out = []
    for cell in data["cells"].values():
        per_seed = cell["scores"][name]
        chosen = per_seed if seed_index is None else per_seed[seed_index : seed_index + 1]
        out.append(statistics.median(-math.inf if v is None else v for v in chosen))
    return out


def agreement(a: list[float], b: list[float]) -> tuple[float, float]:
    """Kendall τ-b and Spearman ρ of two rankings (on ranks, so −inf ties last)."""
    ra, rb = ranks(a), ranks(b)
    return float(stats.kendalltau(ra, rb).statistic), float(stats.spearmanr(ra, rb).statistic)


def best10(values: list[float], percentile: list[float]) -> str:
    """The CIFAR-10 percentile of the 10 cells a ranking puts first: the lowest / the median."""
    best = [percentile[i] for i in sorted(range(len(values)), key=values.__getitem__)[-10:]]
    return f"{min(best):.0f} / {statistics.median(best):.0f}"


def report(data: dict, table: Table, cifar10: dict[tuple[int, ...], float] | None) -> list[str]:
    """A markdown table: every proxy's agreement with the table and CIFAR-10, and its cost;
    the table itself (2 epochs of training) as the last row."""
    from darts_lab.data.analognas_bench import to_codes

    entries = [table.cells[key] for key in data["cells"]]
    accuracy = [table.mean(e) for e in entries]
    seeds, batch = data["settings"]["seeds"], data["settings"]["batch_size"]
    head = ["proxy", "τ table", "ρ table"]
    if cifar10 is not None:
        external = [cifar10[to_codes(e["arch"])] for e in entries]
        ordered = sorted(external)  # a cell's percentile: the cells it beats or ties, in %
        percentile = [100 * bisect.bisect_right(ordered, x) / len(ordered) for x in external]
        head += ["τ CIFAR-10", "ρ CIFAR-10", "10 best: CIFAR-10 pct (min / median)"]
    head += ["seed τ", "s / cell"]

    def row(name: str, values: list[float], per_seed: tuple | None, seconds: float) -> str:
        cells = [name, *(f"{v:.3f}" for v in agreement(values, accuracy))]
        if cifar10 is not None:
            cells += [*(f"{v:.3f}" for v in agreement(values, external))]
            cells.append(best10(values, percentile))
        cells.append(f"{agreement(*per_seed)[0]:.3f}" if per_seed else "–")
        cells.append(f"{seconds:.3f}" if seconds < 1 else f"{seconds:.1f}")
        return "| " + " | ".join(cells) + " |"

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, timing in sorted(data["seconds"].items()):
        if all(name in cell["scores"] for cell in data["cells"].values()):
            pair = (medians(data, name, 0), medians(data, name, 1)) if len(seeds) > 1 else None
            lines.append(
                row(name, medians(data, name), pair, timing["total"] / timing["evaluations"])
            )
    runs = [e["runs"] for e in entries]
    pair = ([r[0]["test_acc"] for r in runs], [r[1]["test_acc"] for r in runs])
    train = statistics.mean(run["seconds"] for r in runs for run in r)
    lines.append(row("2 epochs of training (the table)", accuracy, pair, train))
    intro = (
        f"{len(entries)} distinct cells; a proxy's score of a cell is its median over "
        f"initialisations {', '.join(map(str, seeds))} (batch {batch}); seed τ: the first two "
        f"initialisations' rankings; s / cell: seconds per cell and initialisation on one core"
    )
    return [intro, "", *lines]
