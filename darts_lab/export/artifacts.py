"""Files a search leaves in its run directory: genotype.json, alphas.json, status."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from darts_lab.search_space.base import GenotypeBase, genotype_from_json


def write_json(path: Path, data: object) -> Path:
    """Write atomically, so a crash never leaves a half-written file that looks complete."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
    return path


def write_status(run_dir: Path, status: str, detail: str = "") -> None:
    """One word (running / finished / failed / interrupted), then an optional reason."""
    (run_dir / "status").write_text(status + (f"\n{detail}" if detail else "") + "\n")


def read_status(run_dir: Path) -> str:
    return (run_dir / "status").read_text().split("\n", 1)[0]


def alphas_json(
    weights: Mapping[str, torch.Tensor],
    ops: Sequence[str],
    edges: Sequence[tuple[int, int]],
    entropy: float | None = None,
) -> dict:
    """Activated op weights per cell type and edge (from, to), in the order of `ops`."""
    data = {
        "ops": list(ops),
        "edges": [list(e) for e in edges],
        "weights": {cell: w.detach().cpu().tolist() for cell, w in weights.items()},
    }
    if entropy is not None:
        data["entropy"] = entropy
    return data


def write_genotype(run_dir: Path, genotype: GenotypeBase) -> Path:
    return write_json(run_dir / "genotype.json", genotype.to_json())


def read_genotype(path: Path) -> GenotypeBase:
    """The genotype type is found by the key its JSON carries (search_space/base.py)."""
    return genotype_from_json(json.loads(Path(path).read_text()))
