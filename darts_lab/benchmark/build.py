"""Build the embedded benchmark table: train every distinct cell with every seed.

Resumable (each finished run is appended to `<table>.partial.jsonl` and skipped next time),
parallel over local cores (one torch thread per worker process), with a progress bar.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NoReturn

import torch
from tqdm import tqdm

from darts_lab.benchmark.cells import all_cells, representative
from darts_lab.benchmark.protocol import Protocol, digits_splits, train_cell
from darts_lab.benchmark.table import Table
from darts_lab.config import SEED_MAX, ConfigError
from darts_lab.export.artifacts import write_json
from darts_lab.search_space.nb201 import NB201_OPS

_splits: dict | None = None


def _init_worker(protocol: Protocol) -> None:
    global _splits
    torch.set_num_threads(1)  # parallelism comes from the processes
    _splits = digits_splits(protocol.val_images)


def _run(job: tuple[str, str, int, Protocol]) -> tuple[str, dict]:
    key, arch, seed, protocol = job
    return key, {"seed": seed, **train_cell(arch, seed, protocol, _splits)}


def code_version() -> str:
    """The git commit of the code that builds, `-dirty` if the files that define a cell's
    training (darts_lab/benchmark, darts_lab/search_space) differ from it or are untracked."""
    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True
            ).stdout.strip()
        except OSError:
            return ""

    head = git("rev-parse", "--short", "HEAD")
    changed = git("status", "--porcelain", "darts_lab/benchmark", "darts_lab/search_space")
    return (head + ("-dirty" if changed else "")) if head else "unknown"


def build(
    out: Path, protocol: Protocol, jobs: int = os.cpu_count() or 1, limit: int | None = None
) -> Table:
    """Train what is missing and write the table to `out` (`limit`: only the first N cells)."""
    groups = all_cells(protocol.ops)
    cells = {
        key: {"arch": representative(members), "members": members, "runs": []}
        for key, members in list(groups.items())[:limit]
    }
    partial = out.with_suffix(".partial.jsonl")
    done = set()
    if partial.is_file():  # resume: what earlier builds finished
        for line in partial.read_text().splitlines():
            key, run = json.loads(line)
            if key in cells:
                cells[key]["runs"].append(run)
                done.add((key, run["seed"]))
    todo = [
        (key, cell["arch"], seed, protocol)
        for key, cell in cells.items()
        for seed in protocol.seeds
        if (key, seed) not in done
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        partial.open("a") as log,
        ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(protocol,)) as pool,
    ):
        for key, run in tqdm(pool.map(_run, todo), total=len(todo), desc="training cells"):
            cells[key]["runs"].append(run)
            log.write(json.dumps([key, run]) + "\n")
            log.flush()
    for cell in cells.values():
        cell["runs"].sort(key=lambda run: run["seed"])
    table = Table(protocol.to_json(), code_version(), cells)
    write_json(out, table.to_json())
    partial.unlink()
    return table


class _Parser(argparse.ArgumentParser):
    """argparse, with its complaint as the one `error:` line darts_lab prints (exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message} (see {self.prog} --help)")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


_positive.__name__ = "positive integer"  # argparse names the expected type by the function


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value <= SEED_MAX:
        raise ValueError(text)
    return value


_seed.__name__ = f"seed (0 to {SEED_MAX})"


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Protocol]:
    """The command line, checked: the options, the op set, seeds, the output path."""
    from darts_lab.benchmark.table import SHIPPED

    parser = _Parser(prog="python -m darts_lab.benchmark build")
    parser.add_argument("--out", type=Path, default=SHIPPED, help="the table file to write")
    parser.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=_positive, default=None, help="only the first N cells")
    parser.add_argument("--ops", nargs="+", default=None, help="op set (default: the protocol's)")
    parser.add_argument("--epochs", type=_positive, default=None)
    parser.add_argument("--seeds", type=_seed, nargs="+", default=None)
    args = parser.parse_args(argv)
    if args.ops is not None:
        if unknown := [op for op in args.ops if op not in NB201_OPS]:
            raise ConfigError(f"--ops: unknown op {unknown[0]!r}; allowed: {', '.join(NB201_OPS)}")
        if len(set(args.ops)) != len(args.ops):
            raise ConfigError(f"--ops {' '.join(args.ops)}: each op once")
    if args.seeds is not None and len(set(args.seeds)) != len(args.seeds):
        raise ConfigError(f"--seeds {' '.join(map(str, args.seeds))}: each seed once")
    if args.out.is_dir() or not args.out.parent.is_dir():
        raise ConfigError(f"--out {args.out}: give a file path in an existing directory")
    partial = args.out.with_suffix(".partial.jsonl")
    if partial.is_file():  # a resumed build: its earlier lines must be readable
        for number, line in enumerate(partial.read_text(errors="replace").splitlines(), 1):
            try:
                key, run = json.loads(line)
                run["seed"]
            except (ValueError, TypeError, KeyError):
                raise ConfigError(
                    f"{partial} line {number} is damaged: delete that line (or the file) and "
                    f"build again"
                ) from None
    changes = {
        k: tuple(v) if isinstance(v, list) else v
        for k, v in {"ops": args.ops, "epochs": args.epochs, "seeds": args.seeds}.items()
        if v is not None
    }
    return args, Protocol(**changes)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        args, protocol = parse(argv)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    table = build(args.out, protocol, args.jobs, args.limit)
    print(f"{len(table.cells)} distinct cells × {len(protocol.seeds)} seeds → {args.out}")
    if len(protocol.seeds) > 1:  # does the architecture matter on this task?
        q = table.quality()
        print(
            f"test accuracy: best {100 * q['best']:.2f} %, median {100 * q['median']:.2f} %; "
            f"best − median = {q['gap_over_std']:.1f} × the median seed std; Kendall τ between "
            f"the first two seeds {q['kendall_tau']:.2f}"
        )
