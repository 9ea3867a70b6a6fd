"""The curvature of the validation loss in α, R-DARTS's collapse diagnostic (Zela et al. 2020,
automl/RobustDARTS `src/search/analyze.py`), as a callback (callbacks=[hessian]).

Every `every_n_epochs` epochs (and at the last one) it takes the Hessian H of the α loss w.r.t.
all architecture parameters (every cell type, concatenated) on the batch of the search's last
α-step, adds the α weight decay as theirs does (∇α gains wd·α, so H gains wd·I), and logs its
dominant eigenvalue, the signed maximum of `torch.linalg.eigvalsh(H)` (`collapse/eigenvalue`).
A sharp rise of this eigenvalue comes with skip-connect collapse (R-DARTS Fig. 5).

Differences from RobustDARTS, on purpose: the supernet mixes the plain activated weights (no
sampling, perturbation or auxiliary path of the method), and the computation leaves the search as
it was: BatchNorm statistics are restored and the random generators forked, so a run with the
callback takes the same α-steps as one without (and resume still replays the α stream).

`mode=exact` builds H row by row by double backprop (n backward passes for n α); `power`
iterates Hessian-vector products to relative change ≤ `tol` (the eigenvalue of largest
magnitude, and when that is negative, again on H − λI for the signed maximum); `auto` is exact
up to `max_exact` α (NAS-Bench-201's 24-30 α) and iterates above (DARTS CNN's 224: one exact
Hessian of the tiny test supernet took 505 s on 2 CPU cores, power iteration 20-34 s).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightning as L
import torch

from darts_lab.arch_gradient.first_order import frozen
from darts_lab.callbacks.base import SearchCallback, epoch_figure
from darts_lab.config import check, check_choice

log = logging.getLogger("darts_lab.search")
Loss = Callable[[list[torch.Tensor]], torch.Tensor]


def flat(grads: tuple[torch.Tensor | None, ...], like: list[torch.Tensor]) -> torch.Tensor:
    """Gradients of several tensors as one vector (an unused tensor's: zeros)."""
    return torch.cat(
        [
            (g if g is not None else torch.zeros_like(p)).flatten()
            for g, p in zip(grads, like, strict=True)
        ]
    )


def gradient_graph(
    loss: Loss, params: list[torch.Tensor]
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """∇θ loss as one vector whose graph is kept (for second derivatives), and the leaves θ."""
    leaves = [p.detach().clone().requires_grad_() for p in params]
    grads = torch.autograd.grad(loss(leaves), leaves, create_graph=True, allow_unused=True)
    return flat(grads, leaves), leaves


def hessian_matrix(loss: Loss, params: list[torch.Tensor]) -> torch.Tensor:
    """d²loss/dθ² for θ = all `params` flattened and concatenated: one backward per row."""
    grad, leaves = gradient_graph(loss, params)
    rows = [
        flat(torch.autograd.grad(grad[i], leaves, retain_graph=True, allow_unused=True), leaves)
        for i in range(grad.numel())
    ]
    h = torch.stack(rows).detach()
    return (h + h.T) / 2  # symmetric up to rounding; eigvalsh reads one triangle


def hessian_vector_product(
    loss: Loss, params: list[torch.Tensor]
) -> Callable[[torch.Tensor], torch.Tensor]:
    """v ↦ H v by double backprop (the graph of ∇θ kept for repeated products)."""
    grad, leaves = gradient_graph(loss, params)

    def product(v: torch.Tensor) -> torch.Tensor:
        hv = torch.autograd.grad(grad, leaves, grad_outputs=v, retain_graph=True, allow_unused=True)
        return flat(hv, leaves).detach()

    return product


def power_iteration(
    product: Callable[[torch.Tensor], torch.Tensor],
    n: int,
    like: torch.Tensor,
    tol: float = 1e-3,
    max_iter: int = 200,
) -> tuple[float, int]:
    """The eigenvalue of largest magnitude by power iteration from a fixed random start (not
    ones: softmax is shift-invariant per edge, so ones is an eigenvector of eigenvalue wd);
    stops once the Rayleigh quotient changes by ≤ tol relative. Returns (value, products)."""
    v = torch.randn(n, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    v = (v / v.norm()).to(like)
    value = float("nan")
    for k in range(1, max_iter + 1):
        hv = product(v)
        new = float(v @ hv)
        norm = hv.norm()
        if norm == 0:
            return 0.0, k
        v = hv / norm
        if abs(new - value) <= tol * abs(new):
            return new, k
        value = new
    return value, max_iter


def dominant_eigenvalue(
    loss: Loss,
    params: list[torch.Tensor],
    mode: str = "auto",
    max_exact: int = 64,
    tol: float = 1e-3,
) -> float:
    n = sum(p.numel() for p in params)
    if mode == "exact" or (mode == "auto" and n <= max_exact):
        return float(torch.linalg.eigvalsh(hessian_matrix(loss, params).double()).max())
    product = hessian_vector_product(loss, params)
    value, _ = power_iteration(product, n, params[0], tol)
    if value < 0:  # the largest magnitude is negative: H − value·I ≥ 0 has λ_max − value on top
        shifted, _ = power_iteration(lambda v: product(v) - value * v, n, params[0], tol)
        value = shifted + value
    return value


class HessianEigenvalue(SearchCallback):
    report_file = "hessian.json"

    def __init__(
        self, every_n_epochs: int = 2, mode: str = "auto", max_exact: int = 64, tol: float = 1e-3
    ) -> None:
        check(
            "callbacks.every_n_epochs",
            every_n_epochs,
            lambda v: isinstance(v, int) and v >= 1,
            "an integer >= 1",
        )
        check_choice("callbacks.mode", mode, ("auto", "exact", "power"))
        self.every, self.mode, self.max_exact, self.tol = every_n_epochs, mode, max_exact, tol
        self.epochs: list[int] = []
        self.values: list[float] = []
        self.seconds: list[float] = []

    def due(self, trainer: L.Trainer) -> bool:
        epoch = trainer.current_epoch
        return epoch % self.every == 0 or epoch == trainer.max_epochs - 1

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        batch = getattr(module, "last_arch_batch", None)
        if not self.due(trainer) or batch is None:  # no α-step yet (warm-up): nothing to probe
            return
        start = time.perf_counter()
        value = self.eigenvalue(module, batch)
        if trainer.world_size > 1:  # each rank probed its own batch: one value, one decision
            value = float(
                trainer.strategy.reduce(torch.tensor(value, device=module.device), reduce_op="mean")
            )
        self.seconds.append(time.perf_counter() - start)
        self.epochs.append(trainer.current_epoch)
        self.values.append(value)
        module.log("collapse/eigenvalue", value)
        self.after_eigenvalue(trainer, module)

    def after_eigenvalue(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        """A new eigenvalue is in `values` (DARTS-ES decides here)."""

    def eigenvalue(self, module: L.LightningModule, batch: Any) -> float:
        """The dominant eigenvalue of the α loss's Hessian (+ wd·I) at the current α and w,
        leaving BatchNorm statistics and the random generators as they were."""
        net, task, arch = module.net, module.task, module.arch
        keys = list(arch.alphas)
        arch_optimizer = module.optimizers()[1]
        groups = getattr(arch_optimizer, "optimizer", arch_optimizer).param_groups
        decay = float(groups[0].get("weight_decay", 0.0))

        def loss(leaves: list[torch.Tensor]) -> torch.Tensor:
            weights = arch.activate(dict(zip(keys, leaves, strict=True)))
            with task.virtual():
                value = task.loss(*task(net, batch, weights, None))
            return value + decay / 2 * sum((a * a).sum() for a in leaves)

        buffers = {k: b.clone() for k, b in net.named_buffers()}
        devices = [module.device] if module.device.type == "cuda" else []
        try:
            with torch.random.fork_rng(devices=devices), frozen(net), torch.enable_grad():
                return dominant_eigenvalue(
                    loss, [arch.alphas[k] for k in keys], self.mode, self.max_exact, self.tol
                )
        finally:
            with torch.no_grad():
                for k, b in net.named_buffers():
                    b.copy_(buffers[k])

    def state_dict(self) -> dict:
        return {"epochs": self.epochs, "values": self.values, "seconds": self.seconds}

    def load_state_dict(self, state_dict: dict) -> None:
        self.epochs = list(state_dict.get("epochs", []))
        self.values = list(state_dict.get("values", []))
        self.seconds = list(state_dict.get("seconds", []))

    def draw(self, ax: Any) -> None:
        ax.plot(self.epochs, self.values, "o-", label="dominant eigenvalue")

    def figures(self, run_dir: Path) -> list[Path]:
        if not self.values:
            return []
        path = epoch_figure(
            run_dir / "eigenvalue.png",
            "curvature of the α loss (R-DARTS)",
            "λ_max of ∇²_α L_valid",
            self.draw,
            xlabel="epoch (from 0)",
        )
        return [path]

    def report(self, genotype: Any) -> dict:
        return {
            "epochs": self.epochs,
            "eigenvalues": self.values,
            "seconds_per_call": sum(self.seconds) / max(1, len(self.seconds)),
        }
