"""Loaders a run can resume mid-epoch, batch for batch.

A pre-empted job (SLURM, `lit/requeue.py`) or a `checkpoint.every_n_train_steps` checkpoint stops
inside an epoch. Lightning restores its loop counters but restarts a plain DataLoader at the
epoch's first batch, so the resumed run would train on batches it already saw. Here the shuffle
depends only on (seed, epoch) and the loader is `_Stateful`: Lightning saves (epoch, batches
served) in every checkpoint and hands it back before the epoch's iterator is made, and the
iterator then starts at the next unseen batch without loading the skipped ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

import torch
from torch.utils.data import DataLoader, Sampler


class EpochShuffle(Sampler[int]):
    """A shuffle that depends only on (seed, epoch), not on the global RNG, so a run resumed
    from a checkpoint sees the same batches as an uninterrupted one. Lightning calls
    `set_epoch` at every epoch; `cycle` does it for the α-val loader at every pass."""

    def __init__(self, n: int, seed: int) -> None:
        self.n, self.seed, self.epoch = n, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        return iter(torch.randperm(self.n, generator=g).tolist())


class _Skip:
    """The loader's batch sampler less its first `skip` batches (index lists are dropped, no
    image is read); the loader sets `skip` back to 0 once its iterator has started."""

    def __init__(self, batches: Any) -> None:
        self.batches, self.skip = batches, 0

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[list[int]]:
        return islice(iter(self.batches), self.skip, None)


class ResumableLoader(DataLoader):
    """A DataLoader Lightning resumes mid-epoch (its `state_dict` / `load_state_dict`). Needs a
    sampler with `set_epoch` that is a function of the epoch (EpochShuffle, or none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.served = 0  # batches handed out in the current pass
        self._resume = _Skip(super()._index_sampler)
        self._resume_at: tuple[int, int] | None = None  # (epoch, batches) from a checkpoint

    @property
    def _index_sampler(self) -> Any:  # what the DataLoader's iterators draw index lists from
        return self._resume

    def __iter__(self) -> Iterator[Any]:
        # Lightning sets the resumed epoch after load_state_dict, before the first batch: skip
        # only within the checkpoint's own epoch (an epoch-end one resumes at the next)
        epoch, skip = self._resume_at or (-1, 0)
        self._resume_at = None
        resumed = skip > 0 and epoch == getattr(self.sampler, "epoch", 0)
        self._resume.skip = skip if resumed else 0  # an epoch-end checkpoint: the next epoch
        # A new iterator draws its worker seed from torch's RNG. The uninterrupted run drew it at
        # the epoch's start, before the state the checkpoint holds: a resumed epoch must not.
        rng = torch.get_rng_state() if resumed else None
        batches = super().__iter__()  # workers may draw their index lists from _Skip twice
        if rng is not None:
            torch.set_rng_state(rng)
        self.served, self._resume.skip = self._resume.skip, 0
        for batch in batches:
            self.served += 1  # Lightning fetches sized loaders lazily: served = batches trained
            yield batch

    def state_dict(self) -> dict[str, int]:
        sampler = self.sampler
        return {"epoch": int(getattr(sampler, "epoch", 0)), "served": int(self.served)}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """The resumed epoch's iterator starts at the first batch it has not trained on."""
        self._resume_at = (int(state.get("epoch", 0)), int(state.get("served", 0)))
