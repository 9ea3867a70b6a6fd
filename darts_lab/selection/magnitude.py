"""Magnitude selection (DARTS): the final cell is Π_S of the final α, the strongest op on every
edge (and, DARTS CNN, the 2 strongest edges per node). Nothing beyond the supernet's training:
the search's default, and what every other selection is compared with."""

from __future__ import annotations

from darts_lab.selection.base import Selection


class Magnitude(Selection):
    pass
