"""The task interface the search step calls (NNI's pattern: the module calls the task's own step),
so the loss, the metric and the batch layout are not hard-wired into the step. Image
classification (classification.py) and language modelling with hidden-state carry-over
(language_model.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torchmetrics import Metric

from darts_lab.search_space.base import SearchSpace


class Task(nn.Module):
    metric_name: str = "acc"
    inputs: str = "image"  # what batches hold; a dataset of the same `kind` supplies them

    def prepare(self, batch: Any) -> Any:
        """Put a batch from the loader into the layout the supernet wants."""
        return batch

    def forward(
        self,
        net: SearchSpace,
        batch: Any,
        weights: Mapping[str, torch.Tensor],
        choices: Mapping[str, list[int]] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(output, target) of the supernet on a batch, mixing with `weights`."""
        raise NotImplementedError

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def metric_inputs(self, output: Any, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """What the metric is updated with (detached)."""
        return output.detach(), target

    def batch_size(self, batch: Any) -> int:
        """How many predictions the batch's mean loss averages (epoch means weight by it)."""
        return len(batch[1])

    def lr_scale(self, batch: Any) -> float:
        """Factor on the w learning rate for this batch's step (DARTS RNN: window length)."""
        return 1.0

    @contextmanager
    def virtual(self) -> Iterator[None]:
        """Forward passes that are not a stream's next step (second order's virtual w-step):
        carried state stays, the loss is the plain objective."""
        yield

    def reset(self) -> None:
        """Forget state carried between batches (called at each epoch and evaluation start)."""

    def metric(self) -> Metric:
        """A fresh metric object (one per split)."""
        raise NotImplementedError
