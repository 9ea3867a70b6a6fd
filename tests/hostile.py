"""Files as a user may receive them: damaged, foreign, and hostile ones whose unpickling would
run a command (here: create a marker file). Shared by the bad-input and malicious-file tests."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

import torch


class Payload:
    """Unpickling this runs `touch marker` (what a hostile checkpoint would do, harmlessly)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


def hostile_checkpoint(real: Path, out: Path, marker: Path) -> Path:
    """A real darts_lab checkpoint with one pickled object added."""
    checkpoint = torch.load(real, weights_only=True)
    checkpoint["note"] = Payload(marker)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, out)
    return out


def hostile_pickle(out: Path, marker: Path, data: dict | None = None) -> Path:
    """A plain pickle (a CIFAR batch, an old benchmark file) carrying the payload."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        pickle.dump({**(data or {}), "data": Payload(marker)}, f)
    return out


def truncated(real: Path, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = real.read_bytes()
    out.write_bytes(raw[: len(raw) // 2])
    return out


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` → its sha256 (to show that nothing in it changed)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
