"""GDAS's sampler (Dong & Yang 2019; the method is darts_lab/method/gdas.py): one op per edge by
the Gumbel-softmax trick.

Forward: a hard one-hot per edge (only the sampled op is computed); backward: the straight-through
gradient of softmax((log p + g) / τ), g ~ Gumbel(0, 1), where p are the op weights the
architecture's activation produces (softmax of logits for GDAS, the simplex itself for GAEA
GDAS, whose EG step then updates p directly). For softmax logits α, log p = α − const per edge,
so this is exactly GDAS's softmax((α + g) / τ). τ falls linearly from tau_max to tau_min over the
search, one value per epoch (GDAS: 10 → 0.1): τ_e = tau_max − (tau_max − tau_min)·e/(E − 1).

`hold_epochs` = H keeps τ at tau_max for the first H epochs and then continues the same line from
there, τ_e = tau_max − (tau_max − tau_min)·max(e − H, 0)/(E − 1), as gaea_release's GAEA GDAS
does during its 50 warm-up epochs (it never reaches tau_min then).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from darts_lab.config import check


class Gumbel(nn.Module):
    def __init__(self, tau_max: float = 10.0, tau_min: float = 0.1, hold_epochs: int = 0) -> None:
        super().__init__()
        check("method.tau_min", tau_min, lambda v: v > 0, "a positive number")
        check("method.tau_max", tau_max, lambda v: v >= tau_min, f"a number >= tau_min={tau_min}")
        check(
            "method.hold_epochs",
            hold_epochs,
            lambda v: isinstance(v, int) and v >= 0,
            "an integer >= 0",
        )
        self.tau_max, self.tau_min, self.hold_epochs = float(tau_max), float(tau_min), hold_epochs
        self.register_buffer("tau", torch.tensor(self.tau_max))

    def set_epoch(self, epoch: int, epochs: int) -> None:
        """Epoch 0 → τ = tau_max, the last epoch → τ = tau_min (later with hold_epochs)."""
        progress = max(epoch - self.hold_epochs, 0) / max(1, epochs - 1)
        self.tau.fill_(self.tau_max - (self.tau_max - self.tau_min) * progress)

    def forward(self, probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(hard one-hot weights with a straight-through gradient, sampled op index per row)."""
        logits = probs.clamp_min(1e-30).log()
        gumbels = -torch.empty_like(logits).exponential_().log()
        soft = torch.softmax((logits + gumbels) / self.tau, dim=-1)
        index = soft.argmax(dim=-1)
        hard = F.one_hot(index, soft.shape[-1]).to(soft.dtype)
        # value exactly the one-hot (0 - s + s == 0 in floating point); gradient that of `soft`
        return hard - soft.detach() + soft, index
