"""Rows of the op weights held at fixed values: how a selection (darts_lab/selection/) fixes an
edge to one op, or drops a node's input, while the search goes on. α itself is never edited: the
pins replace rows of the weights α activates to, in every forward of the supernet (a forward
pre-hook on the net) and in Π_S of the current cell (`Architecture.pinned`). Their buffers travel
in the checkpoint under `arch.pins.*`; a search without a selection that pins has none."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

Weights = dict[str, torch.Tensor]


class Pins(nn.Module):
    def __init__(self, shapes: Mapping[str, tuple[int, int]]) -> None:
        super().__init__()
        self.keys = tuple(shapes)
        for key, (rows, options) in shapes.items():
            self.register_buffer(f"held_{key}", torch.zeros(rows, dtype=torch.bool))
            self.register_buffer(f"value_{key}", torch.zeros(rows, options))

    def held(self, key: str) -> torch.Tensor:
        """Which rows of `key` are held (bool, [rows])."""
        return getattr(self, f"held_{key}")

    def hold(self, key: str, row: int, values: torch.Tensor) -> None:
        """From now on, row `row` of `key` mixes with `values` whatever α says."""
        self.held(key)[row] = True
        getattr(self, f"value_{key}")[row] = values.detach().to(self.held(key).device)

    @contextmanager
    def trial(self, key: str, row: int, values: torch.Tensor) -> Iterator[None]:
        """Hold a row for the duration of the block only (a selection's what-if)."""
        held, value = self.held(key), getattr(self, f"value_{key}")
        before = bool(held[row]), value[row].clone()
        self.hold(key, row, values)
        try:
            yield
        finally:
            held[row] = before[0]
            value[row] = before[1]

    def forward(self, weights: Mapping[str, torch.Tensor]) -> Weights:
        """The weights with every held row replaced by its value (on the weights' device)."""
        out = dict(weights)
        for key in self.keys:
            if key in out:
                w = out[key]
                held = self.held(key).to(w.device)[:, None]
                out[key] = torch.where(held, getattr(self, f"value_{key}").to(w), w)
        return out


def pin_forwards(net: nn.Module, pins: Pins) -> None:
    """Every forward of `net(x, weights, ...)` mixes with the pinned weights, whatever the
    method sampled or added (GDAS, DrNAS, SDARTS noise, DARTS-'s skip): a held row is exact."""

    def hook(module: nn.Module, args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict]:
        if "weights" in kwargs:
            return args, {**kwargs, "weights": pins(kwargs["weights"])}
        return (args[0], pins(args[1]), *args[2:]), kwargs

    net.register_forward_pre_hook(hook, with_kwargs=True)
