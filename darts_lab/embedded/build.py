"""Build the embedded benchmark table: train every distinct cell with every seed.

Resumable (each finished run is appended to `<table>.partial.jsonl` and skipped next time),
parallel over local cores (one torch thread per worker process), with a progress bar.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch
from tqdm import tqdm

from darts_lab.embedded.cells import all_cells, representative
from darts_lab.embedded.protocol import Protocol, protocol_splits, train_cell
from darts_lab.embedded.table import Table
from darts_lab.export.artifacts import write_json

_splits: dict | None = None


def _init_worker(protocol: Protocol) -> None:
    global _splits
    torch.set_num_threads(1)  # parallelism comes from the processes
    _splits = protocol_splits(protocol)


def _run(job: tuple[str, str, int, Protocol]) -> tuple[str, dict]:
    key, arch, seed, protocol = job
    return key, {"seed": seed, **train_cell(arch, seed, protocol, _splits)}


def code_version() -> str:
    """The git commit of the code that builds, `-dirty` if the files that define a cell's
    training (darts_lab/embedded, darts_lab/search_space) differ from it or are untracked."""
    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True
            ).stdout.strip()
        except OSError:
            return ""

    head = git("rev-parse", "--short", "HEAD")
    changed = git(  # a build's own partial file is data, not code
        "status", "--porcelain", "darts_lab/embedded", "darts_lab/search_space",
        ":(exclude)*.partial.jsonl",
    )  # fmt: skip
    return (head + ("-dirty" if changed else "")) if head else "unknown"


def finished_lines(partial: Path) -> list[str]:
    """The partial file's complete lines: a last line without its newline is a run cut off while
    being written (a kill, or a copy taken mid-write), so it is dropped and trained again."""
    text = partial.read_text(errors="replace")
    lines = text.splitlines()
    if lines and not text.endswith("\n"):
        lines.pop()
        partial.write_text("".join(line + "\n" for line in lines))  # appends start on a new line
    return lines


def build(
    out: Path,
    protocol: Protocol,
    jobs: int = os.cpu_count() or 1,
    limit: int | None = None,
    sample: int | None = None,
) -> Table:
    """Train what is missing and write the table to `out` (`limit`: only the first N cells;
    `sample`: N distinct cells drawn with a fixed seed, to measure a candidate protocol)."""
    groups = list(all_cells(protocol.ops).items())[:limit]
    if sample is not None and sample < len(groups):
        groups = random.Random(0).sample(groups, sample)
    cells = {
        key: {"arch": representative(members), "members": members, "runs": []}
        for key, members in groups
    }
    partial = out.with_suffix(".partial.jsonl")
    done = set()
    if partial.is_file():  # resume: what earlier builds finished
        for line in finished_lines(partial):
            key, run = json.loads(line)
            if key in cells:
                cells[key]["runs"].append(run)
                done.add((key, run["seed"]))
    order = list(cells)
    random.Random(0).shuffle(order)  # a build cut short holds a random sample of the cells
    todo = [
        (key, cells[key]["arch"], seed, protocol)
        for key in order
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
