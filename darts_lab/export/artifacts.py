"""Files a search leaves in its run directory: genotype.json, alphas.json, status."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from darts_lab.search_space.genotype import Genotype, edge_endpoints


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


def alphas_json(weights: Mapping[str, torch.Tensor], ops: Sequence[str], steps: int) -> dict:
    """Activated op weights per cell type and edge, in the order of `ops`."""
    return {
        "ops": list(ops),
        "edges": [list(e) for e in edge_endpoints(steps)],
        "weights": {cell: w.detach().cpu().tolist() for cell, w in weights.items()},
    }


def write_genotype(run_dir: Path, genotype: Genotype) -> Path:
    return write_json(run_dir / "genotype.json", genotype.to_json())


def read_genotype(path: Path) -> Genotype:
    return Genotype.from_json(json.loads(Path(path).read_text()))
