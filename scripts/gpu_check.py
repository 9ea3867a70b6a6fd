"""The GPU acceptance check: `make gpu-check` (one modern GPU, <= 8 min) or, with the same code,
`python scripts/gpu_check.py --device cpu --tiny` (CI, tests/test_gpu_check.py).

Rows, each `ok` or its error line, with the median s/step after warm-up and the peak memory:
  search  every search space x {DARTS, DARTS-PRIME, GAEA EG, GDAS, PC-DARTS, second order, RNN}
          as its experiment row, in fp32 and bf16-mixed, and the DARTS-CNN rows NHWC as well
          (perf.channels_last=true); `--steps` batches each, on digits resized to the CIFAR size
          (32x32, 8 cells, 16 channels, batch 64: the CIFAR-10 step's shapes, no download)
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
CNN = ["dataset=digits", "dataset.image_size=32", "dataset.batch_size=64"]
# (row, experiment, overrides at full size); every search space and every method family
SEARCHES: list[tuple[str, str, list[str]]] = [
    ("darts_cnn/darts", "darts", CNN),
    ("darts_cnn/darts_prime", "darts_prime", CNN),
    ("darts_cnn/gaea_eg", "gaea_darts_erm", CNN),
    ("darts_cnn/pcdarts", "pcdarts", CNN),
    ("darts_cnn/second_order", "darts_2nd", CNN),
    ("nb201/darts", "darts_bilevel_nb201", CNN),
    ("nb201/gdas", "gdas", CNN),
    ("nb201/gaea_gdas", "gaea_gdas", CNN),
    ("nb1shot1/pcdarts", "pcdarts_nb1shot1", CNN),
    ("nb1shot1/gaea_pcdarts", "gaea_pcdarts_nb1shot1", CNN),
    ("darts_rnn/darts_prime", "darts_prime_ptb", ["dataset=tiny_corpus"]),
]
QUIET = [
    "logger=none",
    "trainer.enable_progress_bar=false",
    "trainer.max_epochs=1",
    "figures=false",
]


def compose_search(overrides: list[str], tiny: bool) -> object:
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        cfg = compose("search", overrides=[*QUIET, *overrides])
    if tiny:  # the space's own smallest sizes (search_space/base.py), 8x8 digits, batch 16
        for key, value in get_class(cfg.search_space._target_).tiny.items():
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
    module, datamodule, trainer, _ = build(cfg, out)
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
    first = compose_search([*common, "trainer.accelerator=cpu"], tiny=True)
    run_search(first, out / "cpu")
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
    module, datamodule, trainer, _ = build(resumed, out / "device")
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


def rows(args: argparse.Namespace) -> list[tuple[str, Callable[[Path], dict]]]:
    found: list[tuple[str, Callable[[Path], dict]]] = []
    for name, experiment, overrides in SEARCHES:
        variants = {"fp32": [], "bf16": ["trainer.precision=bf16-mixed"]}
        if name.startswith("darts_cnn"):
            variants["bf16+nhwc"] = ["trainer.precision=bf16-mixed", "perf.channels_last=true"]
            variants["fp32+nhwc"] = ["perf.channels_last=true"]
        for variant, extra in variants.items():
            chosen = [f"+experiment={experiment}", *overrides, *extra]
            found.append((f"search {name} {variant}", lambda d, o=chosen: search_row(o, args, d)))
    found += [
        ("resume cpu->" + args.device, lambda d: resume_row(args, d)),
        ("ddp 1 process", lambda d: ddp_row(args, d)),
        ("train 5 steps", lambda d: train_row(args, d)),
    ]
    if args.original_darts:
        found.append(("original quark0/darts", lambda d: original_row(args, d)))
    return found


def check(args: argparse.Namespace) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        chosen = [(name, run) for name, run in rows(args) if re.search(args.only, name)]
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
            print(format_row(row), flush=True)
    return results


def format_row(row: dict) -> str:
    step = f"{row['s_per_step']:.4f}" if row.get("s_per_step") is not None else "-"
    peak = f"{row['peak_gb']:.2f}" if row.get("peak_gb") is not None else "-"
    status = "ok" if row["ok"] else f"ERROR {row['error']}"
    return f"{row['row']:<36} {step:>9} {peak:>8}  {status}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--device", choices=["cuda", "cpu"], default="cuda" if torch.cuda.is_available() else "cpu"
    )
    p.add_argument("--tiny", action="store_true", help="tiny sizes (the CI mode)")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    p.add_argument("--original-darts", default=None, help="your checkout of quark0/darts")
    p.add_argument("--out", default=".", help="folder for gpu_check.json")
    p.add_argument("--verbose", action="store_true", help="tracebacks of failed rows")
    p.add_argument("--only", default="", help="run only the rows whose name matches this regex")
    args = p.parse_args(argv)
    try:
        re.compile(args.only)
    except re.error as e:
        p.error(f"--only {args.only!r} is not a regular expression: {e}")
    if not any(re.search(args.only, name) for name, _ in rows(args)):
        p.error(f"--only {args.only!r} matches no row")
    if args.tiny:
        args.steps, args.warmup = min(args.steps, 2), min(args.warmup, 1)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: torch sees no CUDA device here (use --device cpu --tiny)")
    quiet_libraries()
    device = torch.cuda.get_device_name() if args.device == "cuda" else "CPU"
    print(f"gpu-check on {device}, torch {torch.__version__}, {args.steps} steps per row")
    print(f"{'row':<36} {'s/step':>9} {'peak GB':>8}  status")
    results = check(args)
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
