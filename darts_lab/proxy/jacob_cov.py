"""jacob_cov (Mellor et al.'s first NASWOT score, arXiv v1 2020; as a NAS proxy, Abdelfattah et
al., ICLR 2021): how differently the untrained network responds to the images of one minibatch.
J_n = ∂(Σ outputs)/∂x_n is each image's input gradient, flattened; C is the correlation matrix
of the J_n (one row and column per image) with eigenvalues λ_i; the score is
−Σ_i (log(λ_i + k) + 1/(λ_i + k)), k = 1e-5, highest when C is the identity (uncorrelated
responses). Labels are not used. A network whose J_n are constant (its output ignores its input)
has no correlation matrix: its score is nan (the reference code's value too)."""

from __future__ import annotations

import math

import torch
from torch import nn

from darts_lab.proxy.base import Proxy


class JacobCov(Proxy):
    def __init__(self, k: float = 1e-5) -> None:
        self.k = k

    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        x = images.detach().clone().requires_grad_(True)
        out = net(x).sum()
        if not out.requires_grad:
            return math.nan
        (jacobian,) = torch.autograd.grad(out, x, allow_unused=True)
        if jacobian is None:  # the output does not depend on the input
            return math.nan
        corr = torch.corrcoef(jacobian.flatten(1).double())
        if not torch.isfinite(corr).all():
            return math.nan
        eig = torch.linalg.eigvalsh(corr)
        return float(-(torch.log(eig + self.k) + 1 / (eig + self.k)).sum())
