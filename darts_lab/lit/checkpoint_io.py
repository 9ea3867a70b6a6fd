"""Checkpoints written atomically: torch.save into a temporary file beside the target, then a
rename. Lightning's own save goes through fsspec's transaction, whose temporary file lies in the
system's temp directory: where that is another filesystem than the run directory, its final move
is a copy, and a kill during the copy leaves a truncated checkpoint that looks like the newest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from darts_lab.export.artifacts import write_with


class AtomicCheckpointIO(TorchCheckpointIO):
    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any = None
    ) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_with(path, lambda tmp: torch.save(checkpoint, tmp))
