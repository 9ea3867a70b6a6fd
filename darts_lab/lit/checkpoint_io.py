"""Checkpoints written atomically: torch.save into a temporary file beside the target, then a
rename. Lightning's own save goes through fsspec's transaction, whose temporary file lies in the
system's temp directory: where that is another filesystem than the run directory, its final move
is a copy, and a kill during the copy leaves a truncated checkpoint that looks like the newest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.pytorch.callbacks import ModelCheckpoint

from darts_lab.export.artifacts import write_with


class AtomicCheckpointIO(TorchCheckpointIO):
    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any = None
    ) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_with(path, lambda tmp: torch.save(checkpoint, tmp))


class RunCheckpoint(ModelCheckpoint):
    """Every epoch end: the newest epoch file, and last.ckpt linking to it (Lightning's
    ModelCheckpoint). A run directory that was copied or moved resumes as if it had stayed:
    Lightning keeps no paths of a checkpoint written in another directory, so last.ckpt would
    become last-v1.ckpt and the old epoch files would never be pruned; here the paths are moved
    to this directory when their files are in it. A save killed mid-write leaves a temporary
    file; the next start (`clean`) removes it."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__(
            dirpath=run_dir / "checkpoints", save_last="link", save_top_k=1, every_n_epochs=1
        )

    def clean(self) -> list[Path]:
        """Remove the temporary files of saves a kill cut short, here and in the run directory
        (only the holder of the run's lock calls this)."""
        folders = (Path(self.dirpath), Path(self.dirpath).parent) if self.dirpath else ()
        leftovers = sorted(p for folder in folders for p in folder.glob(".*.tmp"))
        for path in leftovers:
            path.unlink(missing_ok=True)
        return leftovers

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        old = state_dict.get("dirpath")
        if old and self.dirpath and old != self.dirpath:
            state_dict = {k: self._moved(v, old) for k, v in state_dict.items()}
            kept = {self._moved(k, old): v for k, v in state_dict.get("best_k_models", {}).items()}
            state_dict["best_k_models"] = {k: v for k, v in kept.items() if k}
            state_dict["dirpath"] = self.dirpath
        super().load_state_dict(state_dict)

    def _moved(self, value: Any, old: str) -> Any:
        """A path of the old directory whose file is in this one, as a path of this one."""
        if isinstance(value, str) and value and Path(value).parent == Path(old):
            here = Path(self.dirpath) / Path(value).name
            return str(here) if here.exists() or here.is_symlink() else ""
        return value
