"""Scoring the supernet for a selection: accuracy and mean loss on the α data, the pins as they
stand (trials included), the op weights α activates to (DARTS-PT scores the softmax of α with
its projections; a method's sampling plays no part).

As DARTS-PT's `infer(..., eval=False)`: the supernet in training mode (batch statistics), no
gradient. Unlike it, the images carry no augmentation (the α-val split as `val/acc` reads it;
the training images when the search has no split), BatchNorm's running statistics are left as
they were, and the scoring draws nothing from the search's random generators (a resumed run
takes the same decisions and then the same steps)."""

from __future__ import annotations

from itertools import islice
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader, Subset

from darts_lab.selection.base import Score

RUNNING = ("running_mean", "running_var", "num_batches_tracked")


def evaluation_loader(data: Any) -> DataLoader:
    """The α-val split without augmentation; the training images without it when there is no
    split (single level: GAEA ERM)."""
    if len(data.a_indices):
        return data.val_dataloader()
    return DataLoader(Subset(data.train_eval, data.w_indices.tolist()), data.device_batch())


def batches(limit: int | None, validation: float | int | None, length: int) -> int:
    """`limit`, else what the trainer's validation reads (`limit_val_batches`), else all."""
    if limit is not None:
        return min(limit, length)
    if isinstance(validation, int) and validation > 0:
        return min(validation, length)
    if isinstance(validation, float) and 0 < validation < 1:
        return max(1, int(length * validation))
    return length


class Probe:
    """Scores the search module's supernet (lit/search_module.py: its net, arch and task)."""

    def __init__(self, module: L.LightningModule) -> None:
        self.module = module
        self.loader: DataLoader | None = None

    def __call__(self, limit: int | None = None) -> Score:
        """On `limit` batches (None: as many as the validation reads)."""
        module = self.module
        trainer, net, task = module.trainer, module.net, module.task
        if self.loader is None:
            self.loader = evaluation_loader(trainer.datamodule)
        n = batches(limit, trainer.limit_val_batches, len(self.loader))
        running = [b for name, b in net.named_buffers() if name.endswith(RUNNING)]
        kept = [b.clone() for b in running]
        was_training = net.training
        net.train()
        cuda = [module.device.index or 0] if module.device.type == "cuda" else []
        metric, total, count = task.metric().to(module.device), 0.0, 0
        with torch.random.fork_rng(devices=cuda), torch.no_grad():
            weights = {k: w.detach() for k, w in module.arch.weights().items()}
            task.reset()
            for batch in islice(self.loader, n):
                batch = trainer.strategy.batch_to_device(batch, module.device)
                batch = task.prepare(trainer.precision_plugin.convert_input(batch))
                with trainer.precision_plugin.forward_context():
                    output, target = task(net, batch, weights, None)
                    loss = task.loss(output, target)
                size = task.batch_size(batch)
                total, count = total + loss.float() * size, count + size
                metric.update(*task.metric_inputs(output, target))
        for buffer, value in zip(running, kept, strict=True):
            buffer.copy_(value)
        net.train(was_training)
        return Score(float(metric.compute()), float(total) / max(1, count))
