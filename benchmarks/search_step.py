"""Search-step time: darts_lab under Lightning vs a hand-written PyTorch loop, same supernet.

    python benchmarks/search_step.py [--size 8] [--channels 3] [--init-channels 8] [--layers 3]
                                     [--batch 64] [--steps 30] [--warmup 3]

(a) raw: a plain loop — w-step (SGD, clip 5) on a train batch, α-step (Adam) on a val batch —
    written the way quark0/darts's first-order `train()` is, with our SearchNetwork.
(b) darts_lab: `SearchModule` run by a Lightning Trainer (CSV logging and progress bar on).
Then the FIMT overhead: the w-step time (batches with no α-step) under `schedule=fimt` vs a
schedule that never takes an α-step.
Both see random tensors of the given shape (timing only; the data is irrelevant), in one
process, one after the other. Reports the median per-step time after warm-up and the ratio.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from darts_lab.arch.activation import Softmax  # noqa: E402
from darts_lab.arch.architecture import Architecture  # noqa: E402
from darts_lab.data.base import SearchDataModule  # noqa: E402
from darts_lab.lit.search_module import SearchModule  # noqa: E402
from darts_lab.regularizer.none import NoRegularizer  # noqa: E402
from darts_lab.schedule.alternate import Alternate  # noqa: E402
from darts_lab.schedule.base import Schedule  # noqa: E402
from darts_lab.schedule.constant import Constant  # noqa: E402
from darts_lab.schedule.fimt import Fimt  # noqa: E402
from darts_lab.search_space.darts_cnn import SearchNetwork  # noqa: E402


class RandomImages(SearchDataModule):
    def __init__(self, n: int, channels: int, size: int, **kw) -> None:
        super().__init__(**kw)
        self.in_channels, self.image_size, self.num_classes = channels, size, 10
        g = torch.Generator().manual_seed(0)
        self._set = TensorDataset(
            torch.randn(n, channels, size, size, generator=g),
            torch.randint(0, 10, (n,), generator=g),
        )

    def search_sets(self) -> tuple[Dataset, Dataset]:
        return self._set, self._set


def build(args: argparse.Namespace) -> tuple[SearchNetwork, Architecture]:
    torch.manual_seed(0)
    net = SearchNetwork(args.channels, 10, args.init_channels, args.layers)
    selectable = net.selectable()
    return net, Architecture(net.arch_shapes(), Softmax(), 1e-3, selectable, net.project)


def time_raw(args: argparse.Namespace) -> list[float]:
    net, arch = build(args)
    w_opt = torch.optim.SGD(net.parameters(), 0.025, momentum=0.9, weight_decay=3e-4)
    a_opt = torch.optim.Adam(arch.parameters(), 3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    shape = (args.batch, args.channels, args.size, args.size)
    times = []
    for _ in range(args.warmup + args.steps):
        x, y = torch.randn(shape), torch.randint(0, 10, (args.batch,))
        xv, yv = torch.randn(shape), torch.randint(0, 10, (args.batch,))
        t0 = time.perf_counter()
        a_opt.zero_grad()
        F.cross_entropy(net(xv, arch.weights()), yv).backward()
        a_opt.step()
        w_opt.zero_grad()
        F.cross_entropy(net(x, arch.weights()), y).backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        w_opt.step()
        times.append(time.perf_counter() - t0)
    return times[args.warmup :]


class StepTimer(L.Callback):
    """Per-batch wall time, and whether that batch took an α-step."""

    def __init__(self) -> None:
        self.times: list[tuple[float, bool]] = []

    def on_train_batch_start(self, trainer, module, *_) -> None:
        self._a0 = int(module.a_steps)
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, trainer, module, *_) -> None:
        self.times.append((time.perf_counter() - self._t0, int(module.a_steps) > self._a0))


def time_lightning(args: argparse.Namespace, schedule: Schedule) -> list[tuple[float, bool]]:
    net, arch = build(args)
    module = SearchModule(
        net,
        arch,
        lambda p: torch.optim.Adam(p, 3e-4, betas=(0.5, 0.999), weight_decay=1e-3),
        schedule,
        NoRegularizer(),
    )
    n = 2 * args.batch * (args.warmup + args.steps)
    dm = RandomImages(n, args.channels, args.size, batch_size=args.batch, train_fraction=0.5)
    timer = StepTimer()
    with tempfile.TemporaryDirectory() as out:
        trainer = L.Trainer(
            max_epochs=1,
            default_root_dir=out,
            accelerator="cpu",
            logger=L.pytorch.loggers.CSVLogger(out),
            callbacks=[timer],
            log_every_n_steps=1,
            limit_val_batches=0,
            enable_checkpointing=False,
            enable_model_summary=False,
        )
        trainer.fit(module, datamodule=dm)
    return timer.times[args.warmup :]


def median_w_only(times: list[tuple[float, bool]]) -> float:
    """Median time of the batches that took no α-step: the w-step as the schedule runs it."""
    return statistics.median(t for t, stepped in times if not stepped)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=8)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--init-channels", type=int, default=8)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--no-fimt", action="store_true", help="skip the FIMT-overhead runs")
    args = p.parse_args()
    raw = statistics.median(time_raw(args))
    lit = statistics.median(t for t, _ in time_lightning(args, Alternate()))
    print(
        f"\ninput {args.channels}x{args.size}x{args.size}, {args.init_channels} channels, "
        f"{args.layers} cells, batch {args.batch}, {torch.get_num_threads()} threads, "
        f"median of {args.steps} steps"
    )
    print(f"{'path':<24}{'s/step':>10}{'ratio':>8}")
    print(f"{'(a) hand-written loop':<24}{raw:>10.3f}{1.0:>8.2f}")
    print(f"{'(b) darts_lab+Lightning':<24}{lit:>10.3f}{lit / raw:>8.2f}")
    if args.no_fimt:
        return
    # Interleaved twice, best median of each kept: sequential runs drift by a few % on a
    # shared 2-core machine, more than the overhead being measured.
    never, fimt, fimt_arch = math.inf, math.inf, 0
    for _ in range(2):
        never = min(never, median_w_only(time_lightning(args, Constant(every=10**9))))
        fimt_times = time_lightning(args, Fimt())
        fimt = min(fimt, median_w_only(fimt_times))
        fimt_arch = sum(stepped for _, stepped in fimt_times)
    print("\nw-step only (batches without an α-step), FIMT overhead:")
    print(f"{'alternate, α disabled':<24}{never:>10.3f}{1.0:>8.2f}")
    print(f"{'fimt':<24}{fimt:>10.3f}{fimt / never:>8.3f}   ({fimt_arch} batches took an α-step)")


if __name__ == "__main__":
    main()
