"""SDARTS (Chen & Hsieh 2020, xiangning-chen/SmoothDARTS): smooth the validation loss landscape in
α by training w under perturbed op weights. The w-step mixes with the activated weights plus a
perturbation δ, ‖δ‖∞ ≤ ε, projected back onto the simplex (`clip`: clamp each row to [0, 1], an
all-zero row gets 1 at its largest entry, rows renormalised); the α-step and validation see the
unperturbed weights. ε grows linearly, ε_e = eps_min + (eps_max − eps_min)·e/E (0.03 → 0.3).

- RS (`method=sdarts_rs`): δ uniform in [−ε, ε].
- ADV (`method=sdarts_adv`): δ from a 7-step L∞ PGD that *raises* the training loss of the w-step's
  batch (random start, step 2ε/7, sign of the gradient, projected onto the ε-ball and the
  simplex after each step, the network in eval mode), reverted when it did not raise the loss.

As SmoothDARTS's loop, each iteration takes the α-step first, then the perturbed w-step; first
order. Only the op weights are perturbed (PC-DARTS's edge weights β are not). Not with
activation=crb (its weights are not on the simplex).
"""

from __future__ import annotations

from typing import Any

import torch

from darts_lab.arch_gradient.first_order import frozen
from darts_lab.config import check
from darts_lab.method.base import Mixing, StepContext, Weights
from darts_lab.method.darts import Darts


def clip(weights: torch.Tensor) -> torch.Tensor:
    """SmoothDARTS's projection of perturbed rows back onto the simplex."""
    top = weights.argmax(dim=-1, keepdim=True)
    clamped = weights.clamp(0, 1)
    dead = clamped.sum(dim=-1, keepdim=True) == 0
    clamped = torch.where(dead, torch.zeros_like(clamped).scatter(-1, top, 1.0), clamped)
    return clamped / clamped.sum(dim=-1, keepdim=True)


class SdartsRs(Darts):
    arch_step_first = True
    takes_unrolled = False  # first order, as SmoothDARTS's scripts run it; not combined here
    activation_domains = ("logits", "simplex")  # softmax and GAEA's simplex: weights sum to 1

    def __init__(self, eps_min: float = 0.03, eps_max: float = 0.3) -> None:
        super().__init__()
        check("method.eps_min", eps_min, lambda v: v >= 0, "a number >= 0")
        check("method.eps_max", eps_max, lambda v: v >= eps_min, f"a number >= eps_min={eps_min}")
        self.eps_min, self.eps_max = float(eps_min), float(eps_max)
        self.register_buffer("epsilon", torch.tensor(self.eps_min))

    def set_epoch(self, epoch: int, epochs: int) -> None:
        self.epsilon.fill_(self.eps_min + (self.eps_max - self.eps_min) * epoch / max(1, epochs))

    def metrics(self) -> dict[str, float]:
        return {"sdarts/epsilon": float(self.epsilon)}

    def perturb(self, ctx: StepContext, batch: Any, weights: Weights) -> Weights:
        eps = float(self.epsilon)
        return {
            k: clip(w + torch.empty_like(w).uniform_(-eps, eps)) if k in ctx.arch.op_keys else w
            for k, w in weights.items()
        }

    def w_mixing(self, ctx: StepContext, batch: Any) -> Mixing:
        weights = {k: w.detach() for k, w in ctx.arch.weights().items()}
        return self.perturb(ctx, batch, weights), None


class SdartsAdv(SdartsRs):
    def __init__(self, eps_min: float = 0.03, eps_max: float = 0.3, attack_steps: int = 7) -> None:
        super().__init__(eps_min, eps_max)
        check(
            "method.attack_steps",
            attack_steps,
            lambda v: isinstance(v, int) and v >= 1,
            "an integer >= 1",
        )
        self.attack_steps = attack_steps

    def perturb(self, ctx: StepContext, batch: Any, weights: Weights) -> Weights:
        eps = float(self.epsilon)
        keys = ctx.arch.op_keys
        net, task = ctx.net, ctx.task

        def loss(mixed: Weights) -> torch.Tensor:
            with task.virtual():  # no carried state advances
                return task.loss(*task(net, batch, mixed))

        training = net.training
        net.eval()  # as the reference: the attack runs the network in eval mode
        try:
            with torch.no_grad():
                before = loss(weights)
            x = {  # the random start
                k: clip(w + torch.empty_like(w).uniform_(-eps, eps))
                for k, w in weights.items()
                if k in keys
            }
            for _ in range(self.attack_steps):
                leaves = {k: v.clone().requires_grad_() for k, v in x.items()}
                with frozen(net):
                    grads = torch.autograd.grad(loss({**weights, **leaves}), list(leaves.values()))
                step = 2 * eps / self.attack_steps  # an L∞ step: the gradient's sign
                x = {
                    k: clip(
                        weights[k] + (v.detach() + step * g.sign() - weights[k]).clamp(-eps, eps)
                    )
                    for (k, v), g in zip(leaves.items(), grads, strict=True)
                }
            with torch.no_grad():
                after = loss({**weights, **x})
        finally:
            net.train(training)
        return weights if before > after else {**weights, **x}
