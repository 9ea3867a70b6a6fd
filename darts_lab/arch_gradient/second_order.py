"""Second-order (unrolled) DARTS (Liu et al. 2019 eq. 6-8; quark0/darts `architect.py`,
`--unrolled`): the α-gradient of the validation loss after one virtual SGD step of w,

    ∇α L_val(w', α) − ξ · [∇α L_train(w⁺, α) − ∇α L_train(w⁻, α)] / (2ε),
    w' = w − ξ · (μ · momentum buffer + ∇w L_train(w, α) + λ · w),   w± = w ± ε · ∇w' L_val(w', α),
    ε = r / ‖∇w' L_val(w', α)‖ (r = 0.01),

with ξ the current w learning rate, μ and λ the w-optimizer's momentum and weight decay, and the
virtual step's gradient unclipped, as quark0's `_compute_unrolled_model`. The regularizer's
penalty depends on α only and adds its own gradient. As in DARTS, the α-step comes before the
iteration's w-step and its virtual step uses that w batch; under a FIMT schedule the α-step is
then decided on the previous w-step's trace, as DARTS-PRIME's code does.

The network is run with substituted weights through `torch.func.functional_call`, so no second
supernet is built; each of the four passes frees its activations before the next. BatchNorm
running statistics see the extra passes (quark0's unrolled copy has its own); they play no part
in the search's losses (training-mode BatchNorm).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn
from torch.func import functional_call

from darts_lab.config import ConfigError

if TYPE_CHECKING:
    from darts_lab.arch.architecture import Architecture
    from darts_lab.arch_gradient.base import Mixing, StepContext


class _Substituted(nn.Module):
    """The supernet called with other parameter values (the virtual w', w±)."""

    def __init__(self, net: nn.Module, params: Mapping[str, torch.Tensor]) -> None:
        super().__init__()
        self.net, self.params = net, params

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return functional_call(self.net, dict(self.params), args, kwargs)


class Unrolled:
    arch_step_first: ClassVar[bool] = True  # as DARTS: the α-step unrolls the coming w-step
    unrolled: ClassVar[bool] = True

    def __init__(self, r: float = 0.01) -> None:
        if not r > 0:
            raise ConfigError(f"arch_gradient.r must be positive, got {r}")
        self.r = r

    def check(self, recompute_edges: bool) -> None:
        if recompute_edges:  # the recomputation would use the real w, not the virtual w'
            raise ConfigError(
                "arch_gradient=second_order differentiates through substituted weights, which "
                "perf.recompute_edges would not see in its recomputation; turn one of them off"
            )

    def backward(
        self,
        ctx: StepContext,
        mixing: Callable[[Any], Mixing],
        arch_batch: Any,
        w_batch: Any,
        penalty: torch.Tensor,
    ) -> torch.Tensor:
        """Leave the unrolled ∇α(L_val + penalty) in α.grad; return L_val(w') (detached). Each
        of the four passes mixes with `mixing(its batch)`: the architecture's own weights, or
        R-DARTS's edges dropped afresh per pass (its unrolled model drops in every forward)."""
        net, task, arch = ctx.net, ctx.task, ctx.arch
        alphas = list(arch.parameters())
        names, w = zip(*[(n, p.detach()) for n, p in net.named_parameters()], strict=True)
        w_opt = ctx.w_optimizer
        group = w_opt.param_groups[0]
        xi, mu, decay = group["lr"], group["momentum"], group["weight_decay"]

        def loss(params: list[torch.Tensor], batch: Any, weights: dict) -> torch.Tensor:
            with task.virtual():  # no carried state advances; the plain loss
                output, target = task(
                    _Substituted(net, dict(zip(names, params, strict=True))), batch, weights
                )
                return task.loss(output, target)

        # the virtual step w' = w − ξ(μ·buf + ∇w L_train + λw), unclipped
        leaves = [p.clone().requires_grad_() for p in w]
        weights = {k: v.detach() for k, v in mixing(w_batch)[0].items()}
        grads = torch.autograd.grad(loss(leaves, w_batch, weights), leaves, allow_unused=True)
        virtual = []
        for p, param, g in zip(w, net.parameters(), grads, strict=True):
            step = decay * p + (g if g is not None else 0)
            buf = w_opt.state.get(param, {}).get("momentum_buffer")
            if buf is not None and mu:
                step = step + mu * buf
            virtual.append((p - xi * step).requires_grad_())
        # ∇α and ∇w' of L_val(w', α) (+ the penalty, a function of α alone)
        val = loss(virtual, arch_batch, mixing(arch_batch)[0])
        grads = torch.autograd.grad(val + penalty, alphas + virtual, allow_unused=True)
        d_alpha = _zeros_for_unused(grads[: len(alphas)], alphas)
        v = _zeros_for_unused(grads[len(alphas) :], virtual)
        # finite-difference Hessian-vector product ∇²αw L_train · v
        norm = torch.cat([g.flatten() for g in v]).norm()
        if xi and norm > 0:
            eps = self.r / norm
            plus = self._arch_grad(
                loss, [p + eps * g for p, g in zip(w, v, strict=True)], w_batch, arch, mixing
            )
            minus = self._arch_grad(
                loss, [p - eps * g for p, g in zip(w, v, strict=True)], w_batch, arch, mixing
            )
            d_alpha = [
                d - xi * (a - b) / (2 * eps) for d, a, b in zip(d_alpha, plus, minus, strict=True)
            ]
        ctx.set_arch_grad(d_alpha)
        return val.detach()

    @staticmethod
    def _arch_grad(
        loss, params: list[torch.Tensor], batch: Any, arch: Architecture, mixing: Callable
    ) -> list:
        alphas = list(arch.parameters())
        grads = torch.autograd.grad(
            loss(params, batch, mixing(batch)[0]), alphas, allow_unused=True
        )
        return _zeros_for_unused(grads, alphas)


def _zeros_for_unused(grads: tuple, like: list[torch.Tensor]) -> list[torch.Tensor]:
    return [torch.zeros_like(t) if g is None else g for g, t in zip(grads, like, strict=True)]
