"""DrNAS (Chen et al. 2021, xiangning-chen/DrNAS `process_step_vector`): α parametrize a
Dirichlet per edge; every forward mixes with a fresh reparametrized sample
θ ~ Dir(ELU(α) + 1), so both steps see sampled op weights and ∇α flows through the sample.

As their code: the sample is drawn in every forward, validation included (`sample_validation: false`
mixes with the Dirichlet mean instead, as their paper describes), and Π_S reads softmax(α)
(activation=softmax), which ranks ops within an edge as the concentration does. Their default
regularizer is Adam's weight decay 1e-3 on α (arch_optimizer=adam's default); the KL form is
regularizer=dirichlet_kl with arch_optimizer.weight_decay=0. Only op weights are sampled
(PC-DARTS's edge weights β are not). Their search runs in `stages` stages (2 of 25 epochs), each
holding α frozen for its first `arch_warmup_epochs` (their `train()` is given the stage's own
epoch): α moves in 30 of 50 epochs. The stages' progressive partial channels (6 → 4) and the
pruning to 4 ops between them are not built; `stages: 1` freezes α only at the start."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.distributions import Dirichlet

from darts_lab.arch.architecture import Architecture
from darts_lab.config import check
from darts_lab.method.base import Mixing
from darts_lab.method.darts import Darts


def concentration(alpha: torch.Tensor) -> torch.Tensor:
    """DrNAS's map from α to Dirichlet concentrations: ELU(α) + 1 > 0."""
    return F.elu(alpha) + 1


class Drnas(Darts):
    activation_domains = ("logits",)

    def __init__(self, sample_validation: bool = True, stages: int = 2) -> None:
        super().__init__()
        check("method.stages", stages, lambda v: isinstance(v, int) and v >= 1, "an integer >= 1")
        self.sample_validation, self.stages = sample_validation, stages

    def arch_frozen(self, epoch: int, epochs: int, warmup: int) -> bool:
        """Frozen for the first `warmup` epochs of each of the `stages` equal stages."""
        stage = -(-epochs // self.stages)  # 50 epochs, 2 stages: 25 each
        return epoch % stage < warmup

    def mixing(self, arch: Architecture, sample: bool = True) -> Mixing:
        weights = arch.weights()  # β rows (PC-DARTS) stay as the activation makes them
        for key in arch.op_keys:
            alpha = arch.alphas[key]
            beta = concentration(alpha.float() if alpha.dtype.itemsize < 4 else alpha)  # bf16: 0s
            if sample:  # no argument validation: it would read the tensor back every forward
                theta = Dirichlet(beta, validate_args=False).rsample().to(alpha.dtype)
            else:
                theta = (beta / beta.sum(dim=-1, keepdim=True)).to(alpha.dtype)  # the mean
            if arch.activation.prunes:
                theta = theta * arch.alive()[key]
            weights[key] = theta
        return weights, None

    def validation_mixing(self, arch: Architecture) -> Mixing:
        return self.mixing(arch, sample=self.sample_validation)
