"""Files a search leaves in its run directory: genotype.json, alphas.json, status. Every file a
run writes goes through `atomic`: a kill at any instant leaves the previous complete version."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch

from darts_lab.search_space.base import GenotypeBase, genotype_from_json


@contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed over `path` only when the block ends
    without an error (a rename within one directory is atomic), removed otherwise."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # its suffix keeps the format's
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> Path:
    with atomic(path) as tmp:
        tmp.write_text(text)
    return path


def write_json(path: Path, data: object) -> Path:
    """Write atomically, so a crash never leaves a half-written file that looks complete."""
    return write_text(path, json.dumps(data, indent=2) + "\n")


def save_figure(fig: object, path: Path, **options: object) -> Path:
    """matplotlib's savefig, atomically (the format from `path`'s suffix)."""
    with atomic(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip("."), **options)  # type: ignore[attr-defined]
    return path


def write_with(path: Path, write: Callable[[Path], object]) -> Path:
    """Any writer that takes a path (csv, torch.save), atomically."""
    with atomic(path) as tmp:
        write(tmp)
    return path


def write_status(run_dir: Path, status: str, detail: str = "") -> None:
    """One word (running / finished / failed / interrupted), then an optional reason."""
    write_text(run_dir / "status", status + (f"\n{detail}" if detail else "") + "\n")


def read_status(run_dir: Path) -> str:
    return (run_dir / "status").read_text().split("\n", 1)[0]


def alphas_json(
    weights: Mapping[str, torch.Tensor],
    ops: Sequence[str],
    edges: Sequence[tuple[int, int]],
    entropy: float | None = None,
    op_table: Mapping[str, Sequence[Sequence[str]]] | None = None,
) -> dict:
    """Activated op weights per cell type and edge (from, to), in the order of `ops`; where the
    space gives each edge its own op list (R-DARTS S1), those names per edge (`edge_ops`)."""
    data = {
        "ops": list(ops),
        "edges": [list(e) for e in edges],
        "weights": {cell: w.detach().cpu().tolist() for cell, w in weights.items()},
    }
    if op_table and any(list(row) != list(ops) for rows in op_table.values() for row in rows):
        data["edge_ops"] = {cell: [list(row) for row in rows] for cell, rows in op_table.items()}
    if entropy is not None:
        data["entropy"] = entropy
    return data


def write_genotype(run_dir: Path, genotype: GenotypeBase) -> Path:
    return write_json(run_dir / "genotype.json", genotype.to_json())


def read_genotype(path: Path) -> GenotypeBase:
    """The genotype type is found by the key its JSON carries (search_space/base.py)."""
    return genotype_from_json(json.loads(Path(path).read_text()))
