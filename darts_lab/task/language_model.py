"""Language modelling (DARTS RNN): word-level cross-entropy over truncated-BPTT windows, the
hidden state carried from one window to the next of the same stream (w-train, α, validation,
test each keep their own, as DARTS keeps `hidden` and `hidden_valid`), perplexity as the metric.

The w-loss adds DARTS's temporal activation regularization β·mean((h_{t+1} − h_t)²) on the cell
outputs (β = 1e-3, `tar`); the α-loss is the plain cross-entropy (DARTS's `model._loss`), and so
are the reported losses. The w learning rate of a window is scaled by its drawn length / bptt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torchmetrics import Metric
from torchmetrics.text import Perplexity

from darts_lab.data.text import TextBatch
from darts_lab.search_space.base import SearchSpace
from darts_lab.task.base import Task


class LmOutput(NamedTuple):
    log_prob: torch.Tensor  # [T, B, vocab]
    raw: torch.Tensor  # [T, B, nhid] cell outputs
    tar: float  # the TAR weight this output's loss carries (0 off the w-train stream)


class LanguageModel(Task):
    metric_name = "ppl"
    inputs = "text"

    def __init__(self, tar: float = 1e-3, bptt: int = 35) -> None:
        super().__init__()
        self.tar, self.bptt = tar, bptt
        self.hidden: dict[str, torch.Tensor] = {}
        self._virtual = False

    @contextmanager
    def virtual(self) -> Iterator[None]:
        """Second order's extra passes: no stream advances, no TAR (DARTS's `model._loss`)."""
        self._virtual = True
        try:
            yield
        finally:
            self._virtual = False

    def reset(self) -> None:
        """Every stream starts from a zero state (DARTS: at each epoch and each evaluation)."""
        self.hidden.clear()

    def forward(
        self,
        net: SearchSpace,
        batch: TextBatch,
        weights: Mapping[str, torch.Tensor],
        choices: Mapping[str, list[int]] | None = None,
    ) -> tuple[LmOutput, torch.Tensor]:
        state = self.hidden.get(batch.stream)
        if state is not None and state.size(0) != batch.data.size(1):
            state = None  # a stream with another batch size (never within one stream)
        log_prob, raw = net(batch.data, weights, choices, hidden=state)
        if not self._virtual:
            self.hidden[batch.stream] = raw[-1].detach()  # carried, not back-propagated through
        tar = self.tar if batch.stream == "train" and not self._virtual else 0.0
        return LmOutput(log_prob, raw, tar), batch.target

    def loss(self, output: LmOutput, target: torch.Tensor) -> torch.Tensor:
        loss = F.nll_loss(output.log_prob.flatten(0, 1), target.flatten())
        if output.tar:
            loss = loss + output.tar * (output.raw[1:] - output.raw[:-1]).pow(2).mean()
        return loss

    def metric_inputs(
        self, output: LmOutput, target: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, T, vocab] log-probabilities (softmax of them is the model's distribution) and
        [B, T] targets for torchmetrics' Perplexity."""
        return output.log_prob.detach().transpose(0, 1), target.t()

    def batch_size(self, batch: TextBatch) -> int:
        return batch.target.numel()

    def lr_scale(self, batch: TextBatch) -> float:
        return batch.seq_len / self.bptt if batch.stream == "train" else 1.0

    def metric(self) -> Metric:
        return Perplexity()
