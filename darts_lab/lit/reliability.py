"""The parts of the search module that keep a run trustworthy rather than define the method:
the NaN/inf stop, what a checkpoint carries beyond tensors (so a resumed run is the uninterrupted
one), and keeping α identical across DDP ranks."""

from __future__ import annotations

import random
from contextlib import nullcontext

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


class NonFiniteError(RuntimeError):
    """A loss or gradient became NaN/inf; the message names which and when."""


class DtypeBeforeRestore:
    """Lightning restores a checkpoint before it converts the module to the precision's dtype:
    a float64 (64-true) checkpoint loaded into float32 tensors loses its low bits, and the
    resumed run departs from the uninterrupted one (by 0.06 in α after 4 overlay epochs).
    `configure_model` runs before the restore: convert there (the later conversion is a no-op)."""

    def configure_model(self) -> None:
        self.trainer.precision_plugin.convert_module(self)


class ReliableSearch(DtypeBeforeRestore):
    """Mixed into SearchModule (a LightningModule with `arch`, step counters and histories)."""

    def arch_backward(self, loss: torch.Tensor) -> None:
        """inputs=α: autograd skips the weight gradients nobody would use (first-order DARTS).
        Under DDP, α stays out of the reducer (it would wait for those weight gradients) and its
        gradient is averaged over the ranks here, so every rank takes the same α-step."""
        model = self.trainer.strategy.model
        ddp = isinstance(model, DistributedDataParallel)
        with model.no_sync() if ddp else nullcontext():
            self.manual_backward(loss, inputs=list(self.arch.parameters()))
        self.average_arch_grad()

    def set_arch_grad(self, grads: list[torch.Tensor]) -> None:
        """Put an α-gradient computed outside autograd's .grad (second order) into α.grad, and
        average it over DDP ranks like `arch_backward` does."""
        for alpha, grad in zip(self.arch.parameters(), grads, strict=True):
            alpha.grad = grad.detach().clone()
        self.average_arch_grad()

    def average_arch_grad(self) -> None:
        if isinstance(self.trainer.strategy.model, DistributedDataParallel):
            for alpha in self.arch.parameters():
                if alpha.grad is not None:
                    dist.all_reduce(alpha.grad)
                    alpha.grad.div_(dist.get_world_size())

    def arch_disagreement(self) -> float:
        """Largest |α difference| between ranks (0 on one device): the DDP consistency check."""
        if self.trainer.world_size == 1:
            return 0.0
        flat = torch.cat([a.detach().flatten() for a in self.arch.parameters()])
        gathered = self.all_gather(flat)
        return float((gathered - gathered[0]).abs().max())

    def check_finite(self, quantity: str, value: torch.Tensor) -> None:
        """Stop at the first non-finite value, before any parameter takes it (one scalar sync)."""
        if not torch.isfinite(value):
            raise NonFiniteError(
                f"non-finite {quantity} = {float(value)} at epoch {self.current_epoch}, "
                f"after {int(self.w_steps)} w-steps and {int(self.a_steps)} α-steps; the last "
                f"finite state is saved in "
                f"checkpoints/on_exception.ckpt"
            )

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["alpha_history"] = self.alpha_history
        checkpoint["schedule_history"] = self.schedule_history
        checkpoint["epoch_start_steps"] = self._epoch_start_steps
        checkpoint["rng"] = rng_state()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.alpha_history = checkpoint.get("alpha_history", [])
        self.schedule_history = checkpoint.get("schedule_history", [])
        self._epoch_start_steps = checkpoint.get("epoch_start_steps", (0, 0))
        if rng := checkpoint.get("rng"):  # so a resumed run draws what the original would have
            restore_rng(rng)


class CheckpointedRng(DtypeBeforeRestore):
    """Mixed into the retraining modules: a resumed retraining draws what the uninterrupted one
    would have (augmentation, cutout, drop-path, dropout)."""

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["rng"] = rng_state()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        if rng := checkpoint.get("rng"):
            restore_rng(rng)


def rng_state() -> dict:
    """Every generator a run draws from, as tensors and plain types (checkpoints load
    weights_only)."""
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "numpy": {
            "name": name,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        },
        "python": random.getstate(),
        # every CUDA device of this process (GDAS noise, drop-path, RNN dropout draw there);
        # an empty list without CUDA
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng(rng: dict) -> None:
    torch.set_rng_state(rng["torch"])
    state = rng["numpy"]
    keys = state["keys"].numpy().astype(np.uint32)
    np.random.set_state((state["name"], keys, state["pos"], state["has_gauss"], state["gauss"]))
    random.setstate(rng["python"])
    cuda = rng.get("cuda") or []
    if cuda and torch.cuda.is_available():  # a CPU-written checkpoint has none to restore
        torch.cuda.set_rng_state_all(cuda[: torch.cuda.device_count()])
