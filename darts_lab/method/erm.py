"""GAEA's single-level ERM (Li et al. 2021 §2.2): no split; w and α both on the training loss.
As gaea_release, each iteration first takes the α-step on an independent training batch (its
own shuffle), then the w-step; no validation."""

from __future__ import annotations

from darts_lab.method.darts import Darts


class Erm(Darts):
    single_level = True
    arch_step_first = True
    takes_unrolled = False  # no α-val split to unroll towards (GAEA has no second order)
