"""Learning-rate pieces shared by the search and the retraining: a step at a scaled learning
rate, the linear warm-up factor and the w cosine schedule."""

from __future__ import annotations

from torch.optim import Optimizer
from torch.optim.lr_scheduler import CosineAnnealingLR

from darts_lab.config import ConfigError


def scaled_step(opt: Optimizer, scale: float) -> None:
    """One optimizer step at `scale` × its learning rate (DARTS RNN: window length / bptt)."""
    if scale == 1.0:
        opt.step()
        return
    lrs = [group["lr"] for group in opt.param_groups]
    for group, lr in zip(opt.param_groups, lrs, strict=True):
        group["lr"] = lr * scale
    opt.step()
    for group, lr in zip(opt.param_groups, lrs, strict=True):
        group["lr"] = lr


def warmup_factor(epoch: int, warmup_epochs: int) -> float:
    """The linear warm-up's learning-rate factor (PC-DARTS's ImageNet code): (epoch + 1) /
    warmup_epochs in the first `warmup_epochs` epochs, 1 after (and without one)."""
    return (epoch + 1) / warmup_epochs if epoch < warmup_epochs else 1.0


def w_cosine(
    opt: Optimizer, lr_min: float, epochs: int, horizon: int | None, steps: int
) -> CosineAnnealingLR:
    """Cosine to lr_min over the run, or over `horizon` epochs (gaea_release anneals over 50
    whatever the run length), stepped `steps` times in the run (per epoch: DARTS; per w-step)."""
    horizon = horizon or epochs
    if horizon < epochs:  # torch's cosine would climb back up after its horizon
        raise ConfigError(
            f"w_optimizer.lr_horizon={horizon} is shorter than the run "
            f"(trainer.max_epochs={epochs}): it must be at least the run length, or null"
        )
    return CosineAnnealingLR(opt, T_max=max(1, int(horizon * steps // epochs)), eta_min=lr_min)
