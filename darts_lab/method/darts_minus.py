"""DARTS- (Chu et al. 2021, Meituan-AutoML/DARTS-): every mixed op gains an auxiliary skip
β·skip(x) outside the softmax, which takes the advantage skip connections have in training away
from α; β decays linearly, β_e = beta · (1 − e / T) at epoch e, T = `decay_epochs` (their
`linear` decay over `decay_max_epoch` = 50 whatever the run's length: 1, 0.98, … set when the
epoch starts; 0.42 at epoch 29 of a 30-epoch run); `decay_epochs: null` ties T to the run.

Since the skip_connect candidate computes skip(x) already, Σ w_o·o(x) + β·skip(x) is mixing
with w + β on skip_connect's weight: the op weights gain β there, in every forward (validation
too, as theirs), never in Π_S (which reads α alone). At stride 2 the auxiliary path is then the
skip_connect candidate's FactorizedReduce; DARTS- gives it a FactorizedReduce of its own (an
extra 1×1-conv pair per reducing edge): the one difference, on DARTS CNN's reduction cells only
(NAS-Bench-201's cells do not reduce). With PC-DARTS it applies to the partial channels."""

from __future__ import annotations

from typing import Any

import torch

from darts_lab.arch.architecture import Architecture
from darts_lab.config import ConfigError, check, check_horizon
from darts_lab.method.base import Mixing
from darts_lab.method.darts import Darts


class DartsMinus(Darts):
    needs_ops = ("skip_connect",)  # the auxiliary path is a skip
    activation_domains = ("logits", "simplex")

    def __init__(self, beta: float = 1.0, decay_epochs: int | None = 50) -> None:
        super().__init__()
        check("method.beta", beta, lambda v: v >= 0, "a number >= 0")
        check_horizon("method.decay_epochs", decay_epochs)
        self.beta_max, self.decay_epochs = float(beta), decay_epochs
        self.register_buffer("beta", torch.tensor(self.beta_max))
        self.skip: int | None = None

    def check(self, space: Any, activation: Any, recompute_edges: bool) -> None:
        super().check(space, activation, recompute_edges)  # skip_connect on every edge
        columns = {row.index("skip_connect") for rows in space.op_table().values() for row in rows}
        if len(columns) > 1:  # per-edge op lists (edge_ops) with the skip in different places
            raise ConfigError("DartsMinus needs skip_connect in the same α column on every edge")
        self.skip = columns.pop()

    def set_epoch(self, epoch: int, epochs: int) -> None:
        horizon = self.decay_epochs or max(1, epochs)
        self.beta.fill_(self.beta_max * max(0.0, 1 - epoch / horizon))

    def mixing(self, arch: Architecture, sample: bool = True) -> Mixing:
        weights = arch.weights()
        for key in arch.op_keys:
            extra = torch.zeros_like(weights[key])
            extra[..., self.skip] = self.beta.to(extra)
            weights[key] = weights[key] + extra
        return weights, None

    def metrics(self) -> dict[str, float]:
        return {"darts_minus/beta": float(self.beta)}
