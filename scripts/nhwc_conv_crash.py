"""Where does torch's CPU convolution corrupt the heap in channels_last (issue #33)? Runs one
convolution's forward + backward, 5 times, in a forked child per shape (a segfault or glibc abort
cannot be caught in-process) and prints a table of the shapes that crash. Re-run on a new torch to
re-check the rule that `FactorizedReduce` routes around (README "Performance").

    .venv/bin/python scripts/nhwc_conv_crash.py [--quick] [--json FILE]

`form`: `stride2` is `nn.Conv2d(C, C//2, k, stride=2)` on the NHWC input (the failing kernel);
`subsample` is FactorizedReduce's form, a stride-1 conv on `x[:, :, ::2, ::2]` (numerically the
same for k=1); `nchw` is the stride-2 conv in the default layout.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import signal
import sys

import torch
from torch import nn

FULL = {
    "channels": [1, 4, 12, 16, 32],
    "size": [16, 32, 33, 40, 48, 56, 64, 112, 224],
    "kernel": [1, 3],
    "threads": [1, 2],
    "form": ["stride2", "subsample", "nchw"],
}
QUICK = {
    "channels": [4, 12, 32],
    "size": [32, 56, 224],
    "kernel": [1],
    "threads": [2],
    "form": ["stride2", "subsample"],
}


def one_case(channels: int, size: int, kernel: int, threads: int, form: str) -> None:
    """The child: one layer, forward + backward 5 times; exit 0 when nothing broke."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layout = torch.contiguous_format if form == "nchw" else torch.channels_last
    stride = 1 if form == "subsample" else 2
    conv = nn.Conv2d(channels, max(channels // 2, 1), kernel, stride=stride, bias=False)
    conv.to(memory_format=layout)
    for _ in range(5):
        x = torch.randn(4, channels, size, size).contiguous(memory_format=layout)
        x.requires_grad_()
        conv(x[:, :, ::2, ::2] if form == "subsample" else x).sum().backward()


def outcome(case: dict) -> str:
    """ok, or how the child died (SIGSEGV, SIGABRT: glibc's heap check, exit N)."""
    child = multiprocessing.get_context("fork").Process(target=one_case, kwargs=case)
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        return "timeout"
    code = child.exitcode
    if code == 0:
        return "ok"
    return signal.Signals(-code).name if code < 0 else f"exit {code}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 3×3 grid, only 1×1 kernels")
    parser.add_argument("--json", help="write every case and its outcome here")
    args = parser.parse_args()
    grid = QUICK if args.quick else FULL
    os.environ.setdefault("OMP_NUM_THREADS", "2")  # the children set their own count
    cases = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    print(
        f"torch {torch.__version__}, oneDNN {torch.backends.mkldnn.is_available()}, "
        f"{len(cases)} cases (forward + backward ×5 each, one forked child per case)"
    )
    results = []
    for case in cases:
        results.append({**case, "outcome": outcome(case)})
        if results[-1]["outcome"] != "ok":
            print("  crash:", " ".join(f"{k}={v}" for k, v in results[-1].items()), flush=True)
    crashed = [r for r in results if r["outcome"] != "ok"]
    print(f"{len(crashed)} of {len(results)} cases crashed")
    for form in grid["form"]:
        bad = sorted({(r["kernel"], r["size"]) for r in crashed if r["form"] == form})
        print(f"  form={form}: {len(bad)} (kernel, size) pairs crash" + (f": {bad}" if bad else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "cases": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
