"""Image classification: NCHW images (channels-last on request), cross-entropy, accuracy."""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torchmetrics import Metric
from torchmetrics.classification import MulticlassAccuracy

from darts_lab.search_space.base import SearchSpace
from darts_lab.task.base import Task

Batch = tuple[torch.Tensor, torch.Tensor]


class Classification(Task):
    metric_name = "acc"

    def __init__(self, num_classes: int, channels_last: bool = False) -> None:
        super().__init__()
        self.num_classes, self.channels_last = num_classes, channels_last

    def prepare(self, batch: Batch) -> Batch:
        x, y = batch
        if self.channels_last:  # NHWC: tensor-core convolutions on a GPU
            x = x.contiguous(memory_format=torch.channels_last)
        return x, y

    def forward(
        self,
        net: SearchSpace,
        batch: Batch,
        weights: Mapping[str, torch.Tensor],
        choices: Mapping[str, list[int]] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = batch
        return net(x, weights, choices), y

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(output, target)

    def metric(self) -> Metric:
        return MulticlassAccuracy(self.num_classes, average="micro")
