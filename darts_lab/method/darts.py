"""DARTS (Liu et al. 2019), first order: bilevel (w on the w-train split, α on the α-val split),
every op mixed with its weight, the w-step then the α-step the schedule calls for, ∇α at the
current w. The default method; DARTS-PRIME's rows are DARTS with a schedule and a regularizer."""

from __future__ import annotations

from darts_lab.method.base import SearchMethod


class Darts(SearchMethod):
    """SearchMethod as it is: its defaults are DARTS's."""
