"""Language-model data (DARTS RNN, quark0/darts `rnn/data.py` and `train_search.py`): a corpus as
three token streams, batchified into B columns and cut into truncated-BPTT windows.

Search: w-steps walk the training stream in windows of jittered length (bptt, or bptt/2 with
probability 0.05; DARTS's retraining adds N(0, 5²) noise, at least 5 and at most bptt + 20 tokens,
which its search script has commented out: `length_noise`); the w learning rate is scaled by
length/bptt for that batch; α-steps walk the validation stream (bilevel, DARTS's `search_data`)
or the training stream (ERM) in windows of bptt, wrapping around. The window plan of an epoch
depends only on (seed, epoch), so a resumed search sees the same batches; its length varies per
epoch, so the trainer rebuilds the train loader every epoch (`trainer_options`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from darts_lab.config import ConfigError
from darts_lab.data.errors import DataError

EOS = "<eos>"


class TextBatch(NamedTuple):
    """One BPTT window: [T, B] inputs, the [T, B] next words, which stream it comes from (the
    task keeps one hidden state per stream) and the length drawn for it (the LR scale)."""

    data: torch.Tensor
    target: torch.Tensor
    stream: str
    seq_len: int


class Vocabulary:
    """Word → id in order of first appearance (train, then valid, then test), as DARTS's
    Dictionary; every line ends with <eos>."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def encode(self, lines: list[str]) -> torch.Tensor:
        out = []
        for line in lines:
            for word in line.split() + [EOS]:
                out.append(self.ids.setdefault(word, len(self.ids)))
        return torch.tensor(out, dtype=torch.long)

    def __len__(self) -> int:
        return len(self.ids)


def batchify(tokens: torch.Tensor, batch: int) -> torch.Tensor:
    """[N] tokens → [N // batch, batch]: column b is a contiguous slice (the rest is dropped)."""
    rows = len(tokens) // batch
    if rows < 2:
        raise DataError(f"{len(tokens)} tokens are too few for batch size {batch}")
    return tokens[: rows * batch].view(batch, rows).t().contiguous()


def jittered_windows(
    rows: int, bptt: int, max_delta: int, seed: int, noise: float = 0.0
) -> list[tuple[int, int]]:
    """(start, drawn length) of each training window over a stream of `rows` rows."""
    rng = np.random.default_rng(seed)
    out, i = [], 0
    while i < rows - 2:
        base = bptt if rng.random() < 0.95 else bptt / 2
        seq_len = int(base)  # DARTS's search
        if noise:  # DARTS's retraining
            seq_len = min(max(5, int(rng.normal(base, noise))), bptt + max_delta)
        out.append((i, seq_len))
        i += seq_len
    return out


class Windows(Dataset):
    """BPTT windows of a batchified stream; item k is window k as a TextBatch."""

    def __init__(self, source: torch.Tensor, plan: list[tuple[int, int]], stream: str) -> None:
        self.source, self.plan, self.stream = source, plan, stream

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, k: int) -> TextBatch:
        start, seq_len = self.plan[k]
        end = min(start + seq_len, len(self.source) - 1)
        return TextBatch(
            self.source[start:end], self.source[start + 1 : end + 1], self.stream, seq_len
        )


def fixed_windows(rows: int, bptt: int) -> list[tuple[int, int]]:
    return [(i, bptt) for i in range(0, rows - 1, bptt)]


class TextDataModule(L.LightningDataModule):
    """A corpus for the language-model task; subclasses supply the three splits' lines."""

    inputs = "text"

    def __init__(
        self,
        data_dir: str | Path = "data",
        batch_size: int = 256,
        eval_batch_size: int = 10,
        bptt: int = 35,
        max_seq_len_delta: int = 20,
        length_noise: float = 0.0,
        split_seed: int = 0,
        single_level: bool = False,
        schedule_ratio: float = 1.0,  # unused: α windows come from the validation stream
    ) -> None:
        super().__init__()
        if batch_size < 1 or eval_batch_size < 1 or bptt < 2:
            raise ConfigError(
                f"dataset needs batch_size, eval_batch_size >= 1 and bptt >= 2; got "
                f"{batch_size}, {eval_batch_size}, {bptt}"
            )
        self.data_dir = Path(data_dir).expanduser()
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.bptt, self.max_seq_len_delta = bptt, max_seq_len_delta
        self.length_noise = length_noise
        self.seed = split_seed
        self.single_level = single_level  # ERM: α-steps read the training stream too
        self.vocab: Vocabulary | None = None

    # -- what a corpus supplies -------------------------------------------------------------
    def check(self) -> None:
        """Raise DataError naming the files and the directory if they are not there."""

    def lines(self) -> dict[str, list[str]]:
        """{"train", "valid", "test"}: the corpus's lines."""
        raise NotImplementedError

    # -- what the search asks of a datamodule ----------------------------------------------------
    def prepare(self) -> None:
        if self.vocab is not None:
            return
        self.vocab = Vocabulary()
        self.tokens = {split: self.vocab.encode(lines) for split, lines in self.lines().items()}

    @property
    def vocab_size(self) -> int:
        self.prepare()
        return len(self.vocab)

    def space_sizes(self) -> dict:
        return {"vocab_size": self.vocab_size}

    def task_sizes(self) -> dict:
        return {}

    def trainer_options(self) -> dict:
        return {"reload_dataloaders_every_n_epochs": 1}  # each epoch has its own window plan

    def device_batch(self, ranks: int = 1) -> int:
        """The batch of the one process a language-model search runs in."""
        if ranks > 1:
            raise ConfigError("a language-model search runs on one device (trainer.devices=1)")
        return self.batch_size

    def describe(self) -> str:
        self.prepare()
        sizes = ", ".join(f"{len(t)} {s}" for s, t in self.tokens.items())
        return (
            f"data: {type(self).__name__}, vocabulary {len(self.vocab)}, tokens {sizes}; "
            f"batch {self.batch_size}, bptt {self.bptt}"
        )

    def setup(self, stage: str | None = None) -> None:
        self.prepare()
        self.device_batch(self.trainer.world_size if self.trainer is not None else 1)
        self.train = batchify(self.tokens["train"], self.batch_size)
        self.arch_source = batchify(
            self.tokens["train" if self.single_level else "valid"], self.batch_size
        )

    def _loader(self, windows: Windows) -> DataLoader:
        return DataLoader(windows, batch_size=None, shuffle=False)

    def train_dataloader(self) -> DataLoader:
        epoch = self.trainer.current_epoch if self.trainer is not None else 0
        seed = self.seed * 1_000_003 + epoch
        plan = jittered_windows(
            len(self.train), self.bptt, self.max_seq_len_delta, seed, self.length_noise
        )
        return self._loader(Windows(self.train, plan, "train"))

    def arch_stream(self, rank: int = 0, world: int = 1, skip: int = 0) -> Iterator[TextBatch]:
        """Endless α windows (bptt long), wrapping around; `skip` = windows already used."""
        windows = Windows(self.arch_source, fixed_windows(len(self.arch_source), self.bptt), "arch")
        k = skip % len(windows)
        while True:
            yield windows[k]
            k = (k + 1) % len(windows)

    def _eval_loader(self, split: str, batch: int, stream: str) -> DataLoader:
        source = batchify(self.tokens[split], batch)
        return self._loader(Windows(source, fixed_windows(len(source), self.bptt), stream))

    def val_dataloader(self) -> DataLoader:
        """The validation stream at DARTS's evaluation batch size (10)."""
        return self._eval_loader("valid", self.eval_batch_size, "val")

    def test_dataloader(self) -> DataLoader:
        """The test stream at batch 1 (DARTS's test perplexity)."""
        return self._eval_loader("test", 1, "test")


def read_lines(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise DataError(
            f"corrupt text file {path}: not UTF-8 text ({e.reason} at byte {e.start})"
        ) from None
    if any("\x00" in line for line in lines):
        raise DataError(f"corrupt text file {path}: it holds NUL bytes (a binary file?)")
    return lines
