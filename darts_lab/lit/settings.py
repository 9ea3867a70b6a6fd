"""The search module's two groups of plain settings, as objects: how α-steps are paced beyond the
optimizer itself, and how the supernet is run fast. Neither changes what is computed in exact
arithmetic except the α pacing."""

from __future__ import annotations

from dataclasses import dataclass

from darts_lab.config import check


@dataclass(frozen=True)
class ArchPacing:
    """`arch_warmup_epochs`: no α-step in the first epochs (PC-DARTS, GAEA; DrNAS per stage);
    `arch_grad_clip`: clip α's gradient norm (PC-DARTS ImageNet: 5), None: off;
    `arch_lr_anneal`: cosine-anneal the α learning rate (an ablation: no reference code does)."""

    warmup_epochs: int = 0
    grad_clip: float | None = None
    lr_anneal: bool = False

    def __post_init__(self) -> None:
        check(
            "arch_warmup_epochs",
            self.warmup_epochs,
            lambda v: isinstance(v, int) and v >= 0,
            "an integer >= 0",
        )
        if self.grad_clip is not None:
            check("arch_grad_clip", self.grad_clip, lambda v: v > 0, "a positive number or null")


@dataclass(frozen=True)
class Acceleration:
    """`perf.*`: NHWC memory format, torch.compile backend (None: eager), checkpointed mixed
    ops (less memory, more time)."""

    channels_last: bool = False
    compile_backend: str | None = None
    recompute_edges: bool = False
