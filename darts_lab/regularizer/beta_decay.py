"""β-DARTS's Beta-Decay regularization (Ye et al. 2022, Sunshine-Ye/Beta-DARTS
`optimizers/darts/architect.py`): the α loss gains λ·β, β = the mean over edges of logsumexp(α)
(their `mlc_loss`, on the raw logits), which regularizes the softmax's input and keeps op weights
from saturating early. λ = lam_max · e / lam_epochs at epoch e. Their code writes
`50 * epoch / 100`; its one runnable script (NAS-Bench-201) searches 100 epochs, so λ climbs to
49.5 over the run. `lam_epochs: null` (the default) keeps that horizon on any run length,
λ = 50 · e / E (49 at the last of 50 epochs); `lam_epochs: 100` is the literal expression (24.5
at the last of 50). Their DARTS-space code crashes (a list passed to `logsumexp`); here normal
and reduction cells are one mean over all their edges (= the mean of the two cells' means, not
their sum: half of λ·(β_normal + β_reduce)). On softmax logits only; op weights only (not
PC-DARTS's β rows). Their runs are first order (arch_gradient=first_order, the default)."""

from __future__ import annotations

import torch

from darts_lab.arch.architecture import Architecture
from darts_lab.config import check, check_horizon
from darts_lab.regularizer.base import Regularizer


class BetaDecay(Regularizer):
    activation_domains = ("logits",)

    def __init__(self, lam_max: float = 50.0, lam_epochs: int | None = None) -> None:
        super().__init__()
        check("regularizer.lam_max", lam_max, lambda v: v >= 0, "a number >= 0")
        check_horizon("regularizer.lam_epochs", lam_epochs)
        self.lam_max, self.lam_epochs = float(lam_max), lam_epochs
        self.register_buffer("lam", torch.tensor(0.0))

    def set_epoch(self, epoch: int, epochs: int) -> None:
        self.lam.fill_(self.lam_max * epoch / (self.lam_epochs or epochs))

    @staticmethod
    def beta(arch: Architecture) -> torch.Tensor:
        """Mean over every edge of every cell type of logsumexp over its op logits."""
        rows = [arch.alphas[k].reshape(-1, arch.alphas[k].shape[-1]) for k in arch.op_keys]
        return torch.logsumexp(torch.cat(rows), dim=-1).mean()

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        return self.lam * self.beta(arch)

    def epoch_metrics(self, arch: Architecture) -> dict[str, float]:
        return {"beta_decay/lambda": float(self.lam)}
