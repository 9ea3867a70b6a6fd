"""The GPU acceptance check: `make gpu-check` (one modern GPU, ~6 min) or, with the same code,
`python scripts/gpu_check.py --device cpu --tiny` (CI, tests/test_gpu_check.py).

Rows, each `ok` or its error line, with the median s/step after warm-up and the peak memory:
  search  the experiment rows (conf/experiment) that together run every option of every family
          group (method, arch optimizer, schedule, regularizer, activation, PC-DARTS switches) on
          every space an experiment runs it on, chosen by `covering` after `darts` and
          `darts_prime`: a new method family's experiment gets a row by existing. Each in fp32 and
          bf16-mixed, image spaces in bf16+NHWC too (perf.channels_last=true); `--steps` batches
          each, α-steps from the first (no warm-up epochs), image rows on digits resized to the
          CIFAR size (32x32, 8 cells, 16 channels, batch 64: CIFAR-10's step shapes, no download)
  resume  a checkpoint written on CPU (ADMM's z/u, the RNG states) resumed on the device: the
          α, z, u loaded equal the file's, on the device, and the search finishes
  ddp     a 1-process DDP search (NCCL on CUDA, gloo on CPU): α identical across ranks
  train   5 steps of retraining a genotype (darts_lab.train)
  original  --original-darts PATH: scripts/search_step.py's side-by-side table against your
          checkout of quark0/darts (step time and memory), in a subprocess
Writes OUT/gpu_check.json and prints the table. Exit status 1 if any row failed.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import get_class

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from darts_lab.console import quiet_libraries  # noqa: E402
from darts_lab.search import build, run_search  # noqa: E402
from darts_lab.train import run_train  # noqa: E402

CONF = str(ROOT / "conf")
# what a row's space reads decides the data at full size: CIFAR-10's step shapes without a download
DATA = {
    "image": ["dataset=digits", "dataset.image_size=32", "dataset.batch_size=64"],
    "text": ["dataset=tiny_corpus"],
}
# the groups whose options are method families; a row per experiment the covering picks
FAMILIES = ("method", "arch_gradient", "arch_optimizer", "schedule", "regularizer", "activation")
# timed first on every device: the baseline (against quark0/darts with --original-darts) and the
# main use; the covering adds the rest
FIRST = ("darts", "darts_prime")
# search-space switches that change the mixed op's code (PC-DARTS), as on/off
SWITCHES: dict[str, Callable[[object], bool]] = {
    "partial_channels": lambda k: k > 1,
    "edge_weights": bool,
}


@dataclass(frozen=True)
class Experiment:
    space: str  # the search_space option
    inputs: str  # what the space reads: "image" or "text"
    features: frozenset[tuple]  # (space class, group or switch, option) it runs


@functools.cache
def experiments() -> dict[str, Experiment]:
    """Every experiment row of conf/experiment and what it runs on its space."""
    found = {}
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        for path in sorted(Path(CONF, "experiment").glob("*.yaml")):
            cfg = compose("search", [f"+experiment={path.stem}"], return_hydra_config=True)
            choices, space = cfg.hydra.runtime.choices, cfg.search_space
            kind = space._target_
            features = {(kind, group, choices[group]) for group in FAMILIES}
            features |= {(kind, k, on(space[k])) for k, on in SWITCHES.items() if k in space}
            inputs = get_class(kind).inputs
            found[path.stem] = Experiment(choices.search_space, inputs, frozenset(features))
    return found


def covering(features: dict[str, frozenset[tuple]], first: tuple[str, ...] = ()) -> list[str]:
    """`first`, then a greedy set cover: few experiments that together run every option of every
    family on every space some experiment runs it on; ties go to the first name."""
    left, chosen = set().union(*features.values()), list(first)
    for name in first:
        left -= features[name]
    while left:
        best = max(features, key=lambda name: len(features[name] & left))
        chosen.append(best)
        left -= features[best]
    return chosen


QUIET = [
    "logger=none",
    "trainer.enable_progress_bar=false",
    "trainer.max_epochs=1",
    "figures=false",
    "arch_warmup_epochs=0",  # PC-DARTS's 15 warm-up epochs would leave the α-step unchecked
]


def compose_search(overrides: list[str], tiny: bool) -> object:
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        cfg = compose("search", overrides=[*QUIET, *overrides])
    if tiny:  # the space's own smallest sizes (search_space/base.py), 8x8 digits, batch 16
        space = get_class(cfg.search_space._target_)
        for key, value in space.tiny_sizes(cfg.search_space).items():
            cfg.search_space[key] = value
        if "image_size" in cfg.dataset:
            cfg.dataset.image_size = 8
        cfg.dataset.batch_size = 16
    return cfg


class StepClock(L.Callback):
    """Wall time of every training batch (device-synchronised) and the peak memory."""

    def __init__(self, device: str) -> None:
        self.device, self.times, self._start = device, [], 0.0

    def sync(self) -> None:
        if self.device == "cuda":
            torch.cuda.synchronize()

    def on_train_batch_start(self, *args: object) -> None:
        self.sync()
        self._start = time.perf_counter()

    def on_train_batch_end(self, *args: object) -> None:
        self.sync()
        self.times.append(time.perf_counter() - self._start)


def peak_gb(device: str) -> float | None:
    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 2**30
    return None  # CPU: scripts/search_step.py measures RSS growth in fresh processes


def search_row(overrides: list[str], args: argparse.Namespace, out: Path) -> dict:
    cfg = compose_search(
        [
            f"trainer.accelerator={args.device}",
            f"trainer.limit_train_batches={args.steps}",
            "trainer.limit_val_batches=0",  # the steps are what is timed
            *overrides,
        ],
        args.tiny,
    )
    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    module, datamodule, trainer, _, _ = build(cfg, out)
    clock = StepClock(args.device)
    trainer.callbacks.append(clock)
    trainer.fit(module, datamodule=datamodule)
    timed = clock.times[args.warmup :] or clock.times
    return {"s_per_step": statistics.median(timed), "peak_gb": peak_gb(args.device)}


def resume_row(args: argparse.Namespace, out: Path) -> dict:
    """A checkpoint written on CPU, resumed on the device."""
    common = [
        "+experiment=admm",
        "dataset=digits",
        "trainer.limit_train_batches=3",
        "trainer.limit_val_batches=1",
    ]
    # the same run (its identity includes the budget) stopped after its first epoch on CPU
    first = compose_search([*common, "trainer.max_epochs=2", "trainer.accelerator=cpu"], tiny=True)
    module, datamodule, trainer, _, _ = build(first, out / "cpu")

    class StopAfterOne(L.Callback):
        def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
            trainer.should_stop = True

    trainer.callbacks.append(StopAfterOne())
    trainer.fit(module, datamodule=datamodule)
    checkpoint = torch.load(out / "cpu" / "checkpoints" / "last.ckpt", weights_only=True)
    resumed = compose_search(
        [
            *common,
            f"trainer.accelerator={args.device}",
            "trainer.max_epochs=2",
            f"resume={out / 'cpu'}",
        ],
        tiny=True,
    )
    module, datamodule, trainer, _, _ = build(resumed, out / "device")
    loaded: dict[str, torch.Tensor] = {}

    class Inspect(L.Callback):  # what the device holds right after loading
        def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
            loaded.update(copy.deepcopy(module.state_dict()))

    trainer.callbacks.append(Inspect())
    trainer.fit(
        module,
        datamodule=datamodule,
        ckpt_path=str(out / "cpu" / "checkpoints" / "last.ckpt"),
        weights_only=True,
    )
    saved = checkpoint["state_dict"]
    keys = [k for k in saved if k.startswith("arch.") or "regularizer" in k]
    wrong = [k for k in keys if not all(map(same, tensors(loaded[k]), tensors(saved[k])))]
    places = {str(t.device) for k in keys for t in tensors(loaded[k])}
    if wrong or places != {str(module.device)} or not any("regularizer" in k for k in keys):
        raise AssertionError(f"after loading: {wrong} differ; tensors on {places}; {keys}")
    return {"checked": len(keys)}


def tensors(state: object) -> list[torch.Tensor]:
    """The tensors in a state entry (ADMM keeps z and u in a dict of lists)."""
    if isinstance(state, torch.Tensor):
        return [state]
    if isinstance(state, dict):
        return [t for value in state.values() for t in tensors(value)]
    if isinstance(state, (list, tuple)):
        return [t for value in state for t in tensors(value)]
    return []


def same(loaded: torch.Tensor, saved: torch.Tensor) -> bool:
    return torch.equal(loaded.detach().cpu(), saved)


def ddp_row(args: argparse.Namespace, out: Path) -> dict:
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29517")
    cfg = compose_search(
        [
            "dataset=digits",
            f"trainer.accelerator={args.device}",
            "trainer.devices=1",
            "trainer.strategy=ddp_find_unused_parameters_true",
            "trainer.limit_train_batches=3",
            "trainer.limit_val_batches=1",
        ],
        tiny=True,
    )
    try:
        run_search(cfg, out)
    finally:  # the rows after this one run without a process group
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    timing = json.loads((out / "timing.json").read_text())
    if timing["arch_max_diff_across_ranks"] != 0:
        raise AssertionError(f"α differs across ranks: {timing['arch_max_diff_across_ranks']}")
    return {"ranks": timing["ranks"]}


def train_row(args: argparse.Namespace, out: Path) -> dict:
    search = out / "search"
    run_search(
        compose_search(
            ["dataset=digits", "trainer.limit_train_batches=2", "trainer.limit_val_batches=1"],
            tiny=True,
        ),
        search,
    )
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        cfg = compose(
            "train",
            overrides=[
                f"genotype={search}",
                "trainer.max_epochs=1",
                "trainer.limit_train_batches=5",
                f"trainer.accelerator={args.device}",
                "logger=none",
                "trainer.enable_progress_bar=false",
            ],
        )
    start = time.perf_counter()
    result = run_train(cfg, out / "train")
    return {"s_per_step": (time.perf_counter() - start) / 5, "test_acc": result["test_acc"]}


def original_row(args: argparse.Namespace, out: Path) -> dict:
    command = [
        sys.executable,
        str(ROOT / "scripts" / "search_step.py"),
        "--original-darts",
        args.original_darts,
        "--device",
        args.device,
        "--size",
        "32",
        "--layers",
        "8",
        "--init-channels",
        "16",
        "--channels",
        "3",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    (out / "original_darts.txt").write_text(done.stdout)
    return {"table": done.stdout.strip().splitlines()[-8:]}


def search_rows() -> list[tuple[str, list[str]]]:
    """(row, overrides): each covering experiment in fp32 and bf16-mixed, image spaces in
    bf16+NHWC too, and each image space's first row in fp32+NHWC (the pair that decides
    perf.channels_last=auto on CUDA)."""
    found, timed_layout = [], set()
    every = experiments()
    for name in covering({name: e.features for name, e in every.items()}, FIRST):
        space, inputs = every[name].space, every[name].inputs
        variants = {"fp32": [], "bf16": ["trainer.precision=bf16-mixed"]}
        if inputs == "image":
            variants["bf16+nhwc"] = ["trainer.precision=bf16-mixed", "perf.channels_last=true"]
            if space not in timed_layout:
                variants["fp32+nhwc"] = ["perf.channels_last=true"]
                timed_layout.add(space)
        for variant, extra in variants.items():
            chosen = [f"+experiment={name}", *DATA[inputs], *extra]
            found.append((f"search {space}/{name} {variant}", chosen))
    return found


def rows(args: argparse.Namespace) -> list[tuple[str, Callable[[Path], dict]]]:
    found: list[tuple[str, Callable[[Path], dict]]] = [
        (name, lambda d, o=overrides: search_row(o, args, d)) for name, overrides in search_rows()
    ]
    found += [
        ("resume cpu->" + args.device, lambda d: resume_row(args, d)),
        ("ddp 1 process", lambda d: ddp_row(args, d)),
        ("train 5 steps", lambda d: train_row(args, d)),
    ]
    if args.original_darts:
        found.append(("original quark0/darts", lambda d: original_row(args, d)))
    return found


def chosen_rows(args: argparse.Namespace) -> list[tuple[str, Callable[[Path], dict]]]:
    """The rows `--only` matches, then every `--shard`-th of them."""
    matching = [(name, run) for name, run in rows(args) if re.search(args.only, name)]
    index, count = args.shard
    return matching[index::count]


def check(args: argparse.Namespace, chosen: list[tuple[str, Callable[[Path], dict]]]) -> list[dict]:
    results = []
    width = max(len(name) for name, _ in chosen)
    print(f"{'row':<{width}} {'s/step':>9} {'peak GB':>8}  status")
    with tempfile.TemporaryDirectory() as scratch:
        for i, (name, run) in enumerate(chosen):
            started = time.perf_counter()
            try:
                row = {"row": name, "ok": True, **run(Path(scratch) / str(i))}
            except Exception as e:  # a failed row is reported, and the others still run
                line = f"{type(e).__name__}: {e}".strip().splitlines()[0][:300]
                row = {"row": name, "ok": False, "error": line}
                if args.verbose:
                    traceback.print_exc()
            row["seconds"] = time.perf_counter() - started
            results.append(row)
            print(format_row(row, width), flush=True)
    return results


def format_row(row: dict, width: int) -> str:
    step = f"{row['s_per_step']:.4f}" if row.get("s_per_step") is not None else "-"
    peak = f"{row['peak_gb']:.2f}" if row.get("peak_gb") is not None else "-"
    status = "ok" if row["ok"] else f"ERROR {row['error']}"
    return f"{row['row']:<{width}} {step:>9} {peak:>8}  {status}"


def shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise argparse.ArgumentTypeError(f"{text!r}: K/N with 0 <= K < N, e.g. 0/4")
    return int(index), int(count)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--device", choices=["cuda", "cpu"], default="cuda" if torch.cuda.is_available() else "cpu"
    )
    p.add_argument("--tiny", action="store_true", help="tiny sizes (the CI mode)")
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--warmup", type=int, default=4)
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    p.add_argument("--original-darts", default=None, help="your checkout of quark0/darts")
    p.add_argument("--out", default=".", help="folder for gpu_check.json")
    p.add_argument("--verbose", action="store_true", help="tracebacks of failed rows")
    p.add_argument("--only", default="", help="run only the rows whose name matches this regex")
    p.add_argument(
        "--shard", type=shard, default=(0, 1), help="K/N: every N-th row from the K-th (0-based)"
    )
    args = p.parse_args(argv)
    try:
        re.compile(args.only)
    except re.error as e:
        p.error(f"--only {args.only!r} is not a regular expression: {e}")
    if not (chosen := chosen_rows(args)):
        p.error(f"--only {args.only!r} --shard {args.shard[0]}/{args.shard[1]} matches no row")
    if args.tiny:
        args.steps, args.warmup = min(args.steps, 2), min(args.warmup, 1)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: torch sees no CUDA device here (use --device cpu --tiny)")
    quiet_libraries()
    device = torch.cuda.get_device_name() if args.device == "cuda" else "CPU"
    print(f"gpu-check on {device}, torch {torch.__version__}, {args.steps} steps per row")
    results = check(args, chosen)
    report = {
        "device": device,
        "torch": torch.__version__,
        "tiny": args.tiny,
        "steps": args.steps,
        "rows": results,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.json").write_text(json.dumps(report, indent=2) + "\n")
    failed = [r["row"] for r in results if not r["ok"]]
    print(f"{len(results) - len(failed)}/{len(results)} rows ok; {out / 'gpu_check.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
