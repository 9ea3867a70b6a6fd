"""R-DARTS's ScheduledDropPath during search (Zela et al. 2020, automl/RobustDARTS
`model_search.py`): in training forwards (both steps, as their model is in train mode for
both) each edge's whole output is zeroed per image with probability p_e and scaled by
1/(1 − p_e) otherwise; p_e = drop_prob · e/(E − 1) at epoch e. Skip connections are dropped
too, as theirs. Validation mixes without it. One difference: the mask is drawn once per
forward and shared by every cell of a type (image n loses edge e in all normal cells at once),
where theirs draws one per cell; the spaces take one weight tensor per cell type.

An edge's output is Σ_o w_o·o(x), so dropping it for image n is mixing with w·m_n/(1 − p):
the op weights become per-image, shape [edges, ops, N, 1, 1, 1]. With PC-DARTS the
bypassed channels are not dropped. With `arch_gradient=second_order` (R-DARTS's scripts ran
`--unrolled`; experiment rdarts_dp) each unrolled pass draws fresh masks. Image search spaces
only. R-DARTS's other remedy, a larger
L2 on w, is `w_optimizer.weight_decay` (experiment rdarts_l2)."""

from __future__ import annotations

from typing import Any

import torch

from darts_lab.arch.architecture import Architecture
from darts_lab.config import check
from darts_lab.method.base import Mixing, StepContext
from darts_lab.method.darts import Darts


def drop_edges(weights: torch.Tensor, images: int, p: float) -> torch.Tensor:
    """[edges, ops] weights → [edges, ops, images, 1, 1, 1]: each (edge, image) kept with
    probability 1 − p and scaled by 1/(1 − p), else all its ops weigh 0."""
    keep = 1.0 - p
    mask = torch.empty(
        weights.shape[0], 1, images, 1, 1, 1, dtype=weights.dtype, device=weights.device
    )
    mask.bernoulli_(keep).div_(keep)
    return weights[..., None, None, None, None] * mask


class ScheduledDropPath(Darts):
    space_inputs = ("image",)  # drops edges of image cells

    def __init__(self, drop_prob: float = 0.2) -> None:
        super().__init__()
        check("method.drop_prob", drop_prob, lambda v: 0 <= v < 1, "a number in [0, 1)")
        self.drop_prob = float(drop_prob)
        self.register_buffer("p", torch.tensor(0.0))
        self._p = 0.0

    def set_epoch(self, epoch: int, epochs: int) -> None:
        self._p = self.drop_prob * epoch / max(1, epochs - 1)  # read every step: no host sync
        self.p.fill_(self._p)

    def dropped(self, arch: Architecture, images: int) -> Mixing:
        weights, choices = super().mixing(arch)
        p = self._p
        if p > 0:  # as theirs: no draw at all while p = 0
            weights = {
                k: drop_edges(w, images, p) if k in arch.op_keys else w for k, w in weights.items()
            }
        return weights, choices

    def w_mixing(self, ctx: StepContext, batch: Any) -> Mixing:
        weights, choices = self.dropped(ctx.arch, ctx.task.batch_size(batch))
        return {k: w.detach() for k, w in weights.items()}, choices

    def arch_gradient(
        self, ctx: StepContext, arch_batch: Any, w_batch: Any, penalty: torch.Tensor
    ) -> torch.Tensor:
        return ctx.gradient.backward(
            ctx,
            lambda batch: self.dropped(ctx.arch, ctx.task.batch_size(batch)),
            arch_batch,
            w_batch,
            penalty,
        )

    def metrics(self) -> dict[str, float]:
        return {"drop_path/p": float(self.p)}
