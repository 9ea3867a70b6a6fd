"""Gradient norms, clipping and learning-rate scale of the search's two steps, mixed into
SearchModule (a LightningModule with `net`, `arch`, its `w_optimizer` and α's `pacing`)."""

from __future__ import annotations

import torch
from torch import nn


class GradientScale:
    def loss_scale(self) -> float:
        """fp16 mixed precision's loss scale s (1 in every other precision): the gradients
        still carry it when they are clipped."""
        scaler = self.loss_scaler()
        return float(scaler.get_scale()) if scaler is not None else 1.0

    def loss_scaler(self) -> torch.amp.GradScaler | None:
        """fp16 mixed precision's loss scaler (None in every other precision)."""
        return getattr(self.trainer.precision_plugin, "scaler", None)

    def clip_true_gradients(self) -> torch.Tensor | None:
        """Clip the w-gradient at `grad_clip` and return its unclipped norm ‖G‖ (clipping
        computes it anyway, so the FIMT costs nothing extra). Clipping the s-scaled gradients
        at s·clip is clipping the true gradients at clip, and the true norm is the norm / s.
        An fp16 overflow (non-finite scaled norm) is the scaler's to skip: returns None then."""
        scale = self.loss_scale()
        norm = nn.utils.clip_grad_norm_(self.net.parameters(), self.w_optimizer.grad_clip * scale)
        if self.loss_scaler() is not None and not torch.isfinite(norm):
            return None
        return norm / scale

    def clip_arch_gradient(self, norm: torch.Tensor) -> None:
        """Clip α's gradient, of (scaled) norm `norm`, at `arch_grad_clip` (PC-DARTS's ImageNet
        search: 5); nothing when it is null."""
        if clip := self.pacing.grad_clip:
            params = list(self.arch.parameters())
            nn.utils.clip_grads_with_norm_(params, clip * self.loss_scale(), norm)

    def warmup_scale(self) -> float:
        """The w-optimizer's warm-up factor of the learning rate at this epoch."""
        return self.w_optimizer.warmup_scale(self.current_epoch)
