"""NASWOT (Mellor et al., "Neural Architecture Search without Training", ICML 2021): how
distinct the ReLU activation patterns of the images of one minibatch are. Each nn.ReLU's input
gives every image a binary code c_n (1 where a unit is positive); over all ReLUs,
K_nm = Σ (c_n·c_m + (1 − c_n)·(1 − c_m)) = N_A − Hamming(c_n, c_m), N_A the number of units,
and the score is log |det K|: −inf when two images share one code. Labels are not used."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.proxy.base import Proxy


class Nwot(Proxy):
    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        n = len(images)
        kernel = torch.zeros((n, n), dtype=torch.float64)

        def count(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            nonlocal kernel
            code = (inputs[0].detach().reshape(n, -1) > 0).double()
            kernel = kernel + code @ code.T + (1 - code) @ (1 - code).T

        hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, nn.ReLU)]
        with torch.no_grad():
            net(images)
        for hook in hooks:
            hook.remove()
        return float(torch.linalg.slogdet(kernel).logabsdet)
