"""Search-step time and peak memory: darts_lab under Lightning vs a hand-written PyTorch loop.

    python scripts/search_step.py [--size 8] [--channels 3] [--init-channels 8] [--layers 3]
                                     [--batch 64] [--steps 30] [--warmup 3] [--device cpu]
    python scripts/search_step.py --scaling      # step time vs cells and channels
    python scripts/search_step.py --original-darts PATH [--rounds 2]   # vs quark0/darts
    [--channels-last] [--recompute-edges]: the darts_lab paths with those perf switches

(a) raw: a plain first-order bilevel loop — α-step (Adam) on a val batch, w-step (SGD, clip 5)
    on a train batch — written the way quark0/darts's `train()` is, on our SearchNetwork.
(b) darts_lab: `SearchModule` run by a Lightning Trainer (CSV logging and progress bar on).
(c) (b) with schedule=fimt. (d) GDAS (method=gdas). (e) PC-DARTS, K=4 with edge weights.
(f) (b) with the second-order (unrolled) α-gradient (arch_gradient=second_order).
Then the FIMT overhead on the w-step alone: batches without an α-step under `fimt` vs a schedule
that never steps α. All paths see random tensors of one shape, in one process, one after the
other; the table gives the median per-step time after warm-up, its ratio to (a), and the peak
memory the path adds (CUDA: max allocated; CPU: peak RSS growth over 3 steps of that path
alone in a fresh process, since a heap grown by earlier paths would hide it).

--original-darts PATH: the original DARTS code side by side. PATH is your own checkout of
quark0/darts; its `cnn/model_search.py` is imported from there at run time (nothing of it is in
this repository; on CPU its `.cuda()` calls are made no-ops). (o) is its first-order iteration as
its `train_search.py` runs it (α-step: Adam on a val batch; w-step: SGD, clip 5), (b) darts_lab's
by default and with each perf switch (channels_last, recompute_edges, both); each runs in a
fresh process (so peak RSS growth is its own), alternating, `--rounds` times.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from darts_lab.arch.activation import Softmax  # noqa: E402
from darts_lab.arch.architecture import Architecture  # noqa: E402
from darts_lab.arch_gradient.first_order import FirstOrder  # noqa: E402
from darts_lab.arch_gradient.second_order import Unrolled  # noqa: E402
from darts_lab.data.base import SearchDataModule  # noqa: E402
from darts_lab.lit.search_module import SearchModule  # noqa: E402
from darts_lab.lit.settings import Acceleration  # noqa: E402
from darts_lab.method.darts import Darts  # noqa: E402
from darts_lab.method.gdas import Gdas  # noqa: E402
from darts_lab.perf import channels_last  # noqa: E402
from darts_lab.regularizer.none import NoRegularizer  # noqa: E402
from darts_lab.schedule.alternate import Alternate  # noqa: E402
from darts_lab.schedule.base import Schedule  # noqa: E402
from darts_lab.schedule.constant import Constant  # noqa: E402
from darts_lab.schedule.fimt import Fimt  # noqa: E402
from darts_lab.search_space.darts_cnn import SearchNetwork  # noqa: E402
from darts_lab.task.classification import Classification  # noqa: E402
from darts_lab.w_optimizer.sgd import SgdCosine  # noqa: E402

VARIANTS = {  # supernet options and method per path
    "darts": ({}, Darts),
    "gdas": ({}, Gdas),
    "pcdarts": ({"partial_channels": 4, "edge_weights": True}, Darts),
}


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


def build(args: argparse.Namespace, variant: str = "darts") -> tuple[SearchNetwork, Architecture]:
    torch.manual_seed(0)
    options, _ = VARIANTS[variant]
    net = SearchNetwork(args.channels, 10, args.init_channels, args.layers, **options)
    arch = Architecture(
        net.arch_shapes(), Softmax(), 1e-3, net.selectable(), net.project, net.cell_types
    )
    return net, arch


@contextmanager
def peak_memory(device: torch.device) -> Iterator[list[float]]:
    """Yields a list that holds, after the block, the peak memory in MB the block added:
    CUDA's max allocated; on CPU the peak growth of the RSS, sampled every ms (meaningful only
    in a fresh process, see `memory_in_fresh_process`)."""
    out: list[float] = []
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        start = torch.cuda.memory_allocated()
        yield out
        torch.cuda.synchronize()
        out.append((torch.cuda.max_memory_allocated() - start) / 2**20)
        return
    peak, done = [0], threading.Event()
    start = rss()

    def sample() -> None:  # ru_maxrss would include transient peaks from the imports
        while not done.wait(0.001):
            peak[0] = max(peak[0], rss())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    yield out
    done.set()
    thread.join()
    out.append(max(0, peak[0] - start) / 2**20)


def rss() -> int:
    """Resident set size of this process in bytes (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def in_fresh_process(args: argparse.Namespace, path: str, steps: int, warmup: int) -> dict:
    """{"times": [...], "mb": peak} of one path run by a new process, so the heap that earlier
    paths grew does not hide its peak."""
    cmd = [sys.executable, __file__, "--run", path, "--steps", str(steps), "--warmup", str(warmup)]
    for key in ("size", "channels", "init_channels", "layers", "batch", "device"):
        cmd += [f"--{key.replace('_', '-')}", str(getattr(args, key))]
    if args.channels_last:
        cmd.append("--channels-last")
    if args.recompute_edges:
        cmd.append("--recompute-edges")
    if args.original_darts:
        cmd += ["--original-darts", args.original_darts]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"path {path} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_in_fresh_process(args: argparse.Namespace, path: str) -> float:
    """CPU peak memory of one path over 3 steps in a new process."""
    return in_fresh_process(args, path, steps=2, warmup=1)["mb"]


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def original_network(args: argparse.Namespace) -> tuple[torch.nn.Module, Callable]:
    """quark0/darts's search Network from the user's checkout, and a (x) → weights shim so the
    loop below runs it like ours (it reads its own α)."""
    sys.path.insert(0, str(Path(args.original_darts).expanduser() / "cnn"))
    if args.device == "cpu":  # run-time patch: the code puts α and new models on CUDA
        torch.Tensor.cuda = lambda self, *a, **k: self
        torch.nn.Module.cuda = lambda self, *a, **k: self
    import model_search  # quark0/darts cnn/model_search.py

    torch.manual_seed(0)
    net = model_search.Network(args.init_channels, 10, args.layers, torch.nn.CrossEntropyLoss())
    return net.to(args.device), net.arch_parameters


def time_raw(args: argparse.Namespace, original: bool = False) -> tuple[list[float], float]:
    device = torch.device(args.device)
    if original:
        net, alphas = original_network(args)
        arch = torch.nn.ParameterList(alphas())
    else:
        net, arch = build(args)
        net, arch = net.to(device), arch.to(device)
    w_opt = torch.optim.SGD(net.parameters(), 0.025, momentum=0.9, weight_decay=3e-4)
    a_opt = torch.optim.Adam(arch.parameters(), 3e-4, betas=(0.5, 0.999), weight_decay=1e-3)

    def forward(x: torch.Tensor) -> torch.Tensor:
        return net(x) if original else net(x, arch.weights())

    shape = (args.batch, args.channels, args.size, args.size)
    times = []
    with peak_memory(device) as memory:
        for _ in range(args.warmup + args.steps):
            x, y = torch.randn(shape, device=device), torch.randint(0, 10, (args.batch,))
            xv, yv = torch.randn(shape, device=device), torch.randint(0, 10, (args.batch,))
            y, yv = y.to(device), yv.to(device)
            sync(device)
            t0 = time.perf_counter()
            a_opt.zero_grad()
            F.cross_entropy(forward(xv), yv).backward()
            a_opt.step()
            w_opt.zero_grad()
            F.cross_entropy(forward(x), y).backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            w_opt.step()
            sync(device)
            times.append(time.perf_counter() - t0)
    return times[args.warmup :], memory[0]


class StepTimer(L.Callback):
    """Per-batch wall time, and whether that batch took an α-step."""

    def __init__(self) -> None:
        self.times: list[tuple[float, bool]] = []

    def on_train_batch_start(self, trainer, module, *_) -> None:
        sync(module.device)
        self._a0 = int(module.a_steps)
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, trainer, module, *_) -> None:
        sync(module.device)
        self.times.append((time.perf_counter() - self._t0, int(module.a_steps) > self._a0))


def time_lightning(
    args: argparse.Namespace, schedule: Schedule, variant: str = "darts", second: bool = False
) -> tuple[list[tuple[float, bool]], float]:
    net, arch = build(args, variant)
    module = SearchModule(
        net,
        arch,
        lambda p: torch.optim.Adam(p, 3e-4, betas=(0.5, 0.999), weight_decay=1e-3),
        schedule,
        NoRegularizer(),
        Classification(10, channels_last=args.channels_last),
        VARIANTS[variant][1](),
        SgdCosine(),
        acceleration=Acceleration(args.channels_last, recompute_edges=args.recompute_edges),
        arch_gradient=Unrolled() if second else FirstOrder(),
    )
    n = 2 * args.batch * (args.warmup + args.steps)
    dm = RandomImages(n, args.channels, args.size, batch_size=args.batch)
    timer = StepTimer()
    with tempfile.TemporaryDirectory() as out, peak_memory(torch.device(args.device)) as memory:
        trainer = L.Trainer(
            max_epochs=1,
            default_root_dir=out,
            accelerator="gpu" if args.device.startswith("cuda") else "cpu",
            devices=1,
            logger=L.pytorch.loggers.CSVLogger(out),
            callbacks=[timer],
            log_every_n_steps=1,
            limit_val_batches=0,
            enable_checkpointing=False,
            enable_model_summary=False,
        )
        trainer.fit(module, datamodule=dm)
    return timer.times[args.warmup :], memory[0]


def median_w_only(times: list[tuple[float, bool]]) -> float:
    """Median time of the batches that took no α-step: the w-step as the schedule runs it."""
    return statistics.median(t for t, stepped in times if not stepped)


PATHS: dict[str, tuple[str, Callable[[], Schedule], str]] = {
    "b": ("(b) darts_lab+Lightning", Alternate, "darts"),
    "c": ("(c) + schedule=fimt", Fimt, "darts"),
    "d": ("(d) GDAS", Alternate, "gdas"),
    "e": ("(e) PC-DARTS K=4", Alternate, "pcdarts"),
    "f": ("(f) second order", Alternate, "darts"),
}


def run_path(args: argparse.Namespace, path: str) -> tuple[float, float]:
    """(median s/step, peak MB) of path a-f, or o (the original DARTS code)."""
    times, mb = step_times(args, path)
    return statistics.median(times), mb


def step_times(args: argparse.Namespace, path: str) -> tuple[list[float], float]:
    if path in "ao":
        return time_raw(args, original=path == "o")
    _, schedule, variant = PATHS[path]
    times, mb = time_lightning(args, schedule(), variant, second=path == "f")
    return [t for t, _ in times], mb


# darts_lab's side-by-side rows: (label, perf.channels_last, perf.recompute_edges)
PERF_ROWS = [
    ("(b) darts_lab+Lightning, NCHW", False, False),
    ("(b) + channels_last (NHWC)", True, False),
    ("(b) + recompute_edges", False, True),
    ("(b) + both", True, True),
]


def side_by_side(args: argparse.Namespace) -> None:
    """(o) quark0/darts and darts_lab (default and with each perf switch), alternating fresh
    processes, `--rounds` times."""
    rows = [("(o) original DARTS (quark0)", "o", False, False)]
    chosen = PERF_ROWS[:2] if args.layout_only else PERF_ROWS
    rows += [(name, "b", nhwc, recompute) for name, nhwc, recompute in chosen]
    results = {name: {"times": [], "mb": 0.0} for name, *_ in rows}
    for _ in range(args.rounds):
        for name, path, nhwc, recompute in rows:
            variant = argparse.Namespace(**{**vars(args), "channels_last": nhwc})
            variant.recompute_edges = recompute
            got = in_fresh_process(variant, path, args.steps, args.warmup)
            results[name]["times"] += got["times"]
            results[name]["mb"] = max(results[name]["mb"], got["mb"])
    print(
        f"\ninput {args.channels}x{args.size}x{args.size}, {args.init_channels} channels, "
        f"{args.layers} cells, batch {args.batch}, device {args.device}, "
        f"{torch.get_num_threads()} threads, first-order iteration (α-step + w-step), median of "
        f"{args.steps} × {args.rounds} steps, each path in fresh processes"
    )
    base = results[rows[0][0]]
    base_t = statistics.median(base["times"])
    nhwc = channels_last("auto", args.size, cuda=args.device == "cuda")
    print(f"perf.channels_last=auto (the default) here: {'NHWC' if nhwc else 'NCHW'}")
    print(f"{'path':<30}{'s/step':>10}{'ratio':>8}{'peak MB':>10}{'ratio':>8}")
    for name, *_ in rows:
        t, mb = statistics.median(results[name]["times"]), results[name]["mb"]
        print(f"{name:<30}{t:>10.3f}{t / base_t:>8.2f}{mb:>10.0f}{mb / base['mb']:>8.2f}")


def table(args: argparse.Namespace) -> None:
    rows: list[tuple[str, float, float]] = []
    for path in "abcdef":
        seconds, mb = run_path(args, path)
        if args.device == "cpu" and not args.no_memory:
            mb = memory_in_fresh_process(args, path)
        rows.append((PATHS[path][0] if path != "a" else "(a) hand-written loop", seconds, mb))
    print(
        f"\ninput {args.channels}x{args.size}x{args.size}, {args.init_channels} channels, "
        f"{args.layers} cells, batch {args.batch}, device {args.device}, "
        f"{torch.get_num_threads()} threads, median of {args.steps} steps"
    )
    print(f"{'path':<26}{'s/step':>10}{'vs (a)':>8}{'peak MB':>10}")
    for name, t, mb in rows:
        print(f"{name:<26}{t:>10.3f}{t / rows[0][1]:>8.2f}{mb:>10.0f}")
    print(f"GDAS / DARTS step time: {rows[3][1] / rows[1][1]:.2f}")
    print(f"second / first order step time: {rows[5][1] / rows[1][1]:.2f}")
    if args.no_fimt:
        return
    # Interleaved twice, best median of each kept: sequential runs drift by a few % on a
    # shared 2-core machine, more than the overhead being measured.
    never, fimt, fimt_arch = math.inf, math.inf, 0
    for _ in range(2):
        never = min(never, median_w_only(time_lightning(args, Constant(every=10**9))[0]))
        fimt_times = time_lightning(args, Fimt())[0]
        fimt = min(fimt, median_w_only(fimt_times))
        fimt_arch = sum(stepped for _, stepped in fimt_times)
    print("\nw-step only (batches without an α-step), FIMT overhead:")
    print(f"{'alternate, α disabled':<26}{never:>10.3f}{1.0:>8.2f}")
    print(f"{'fimt':<26}{fimt:>10.3f}{fimt / never:>8.3f}   ({fimt_arch} batches took an α-step)")


def scaling(args: argparse.Namespace) -> None:
    """Raw-loop step time as cells grow (at 16 channels) and as channels grow (at 8 cells)."""
    print(f"\nscaling, input {args.channels}x{args.size}x{args.size}, batch {args.batch}")
    print(f"{'cells':>6}{'channels':>10}{'s/step':>10}{'peak MB':>10}")
    for layers, channels in [(5, 16), (8, 16), (14, 16), (8, 8), (8, 36)]:
        args.layers, args.init_channels = layers, channels
        seconds, mb = run_path(args, "a")
        if args.device == "cpu":
            mb = memory_in_fresh_process(args, "a")
        print(f"{layers:>6}{channels:>10}{seconds:>10.3f}{mb:>10.0f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=8)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--init-channels", type=int, default=8)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--no-fimt", action="store_true", help="skip the FIMT-overhead runs")
    p.add_argument("--scaling", action="store_true", help="step time vs cells and channels")
    p.add_argument(
        "--no-memory", action="store_true", help="CPU: skip the fresh-process memory runs"
    )
    p.add_argument("--original-darts", default=None, help="a checkout of quark0/darts")
    p.add_argument("--rounds", type=int, default=2, help="--original-darts: alternations")
    p.add_argument(
        "--layout-only",
        action="store_true",
        help="--original-darts: only the NCHW and NHWC rows (perf.channels_last's rule)",
    )
    p.add_argument(
        "--channels-last", action="store_true", help="darts_lab paths with perf.channels_last"
    )
    p.add_argument(
        "--recompute-edges",
        action="store_true",
        help="darts_lab paths with perf.recompute_edges (activation checkpointing)",
    )
    p.add_argument("--run", choices=list("abcdefo"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.run:  # child of in_fresh_process: one path's step times and peak MB, as JSON
        times, mb = step_times(args, args.run)
        print(json.dumps({"times": times, "mb": mb}))
    elif args.original_darts:
        side_by_side(args)
    elif args.scaling:
        scaling(args)
    else:
        table(args)


if __name__ == "__main__":
    main()
