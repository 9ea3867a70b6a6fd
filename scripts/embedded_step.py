"""The embedded search's step: darts_lab under Lightning beside a hand-written loop, at the size
`+overlay=embedded` runs (issue #35: at this size a step is overhead, not arithmetic?).

    python scripts/embedded_step.py [--steps 60] [--rounds 3] [OVERRIDE ...]

Both paths run first-order DARTS on the same composed config (`+experiment=darts
+overlay=embedded` plus any Hydra OVERRIDE, e.g. trainer.precision=32-true), in this process,
one after the other, alternating for `--rounds`:

(a) hand: the supernet and architecture `darts_lab.search.build` makes, driven by a plain loop —
    Adam α-step on an α batch, SGD w-step (clip 5) on a w batch — from two plain DataLoaders.
(b) lightning: the same `build`'s SearchModule run by its Trainer for `--steps` batches
    (validation and progress bar off; its one end-of-epoch checkpoint is counted).

Per-step time = wall time / steps (after a warm-up round); the table gives the median over
rounds and (b)/(a). One thread (the overlay's `perf.threads`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from darts_lab.search import build  # noqa: E402

CONF = Path(__file__).resolve().parents[1] / "conf"


def config(overrides: list[str], steps: int) -> object:
    with initialize_config_dir(str(CONF), version_base=None):
        return compose(
            "search",
            [
                "+experiment=darts",
                "+overlay=embedded",
                "logger=none",
                "trainer.max_epochs=1",
                f"+trainer.limit_train_batches={steps}",
                "+trainer.limit_val_batches=0",
                "trainer.enable_progress_bar=false",
                *overrides,
            ],
        )


def hand(cfg: object, steps: int) -> float:
    """Seconds per step of the plain loop."""
    with tempfile.TemporaryDirectory() as tmp:
        search = build(cfg, Path(tmp))
    dtype = torch.float64 if str(cfg.trainer.precision).startswith("64") else torch.float32
    net, arch = search.module.net.to(dtype), search.module.arch.to(dtype)  # as Lightning does
    w_set, a_set = search.datamodule.search_sets()
    batch = cfg.dataset.batch_size
    w_data = DataLoader(w_set, batch, shuffle=True, drop_last=True)
    a_data = iter(DataLoader(a_set, batch, shuffle=True, drop_last=True))
    w_opt = torch.optim.SGD(net.parameters(), 0.025, momentum=0.9, weight_decay=3e-4)
    a_opt = torch.optim.Adam(arch.parameters(), 3e-3, betas=(0.5, 0.999), weight_decay=1e-3)
    net.train()
    start = time.perf_counter()
    for i, (x, y) in enumerate(w_data):
        if i == steps:
            break
        xa, ya = next(a_data)
        loss = torch.nn.functional.cross_entropy(net(xa.to(dtype), arch.weights()), ya)
        a_opt.zero_grad()
        loss.backward()
        a_opt.step()
        loss = torch.nn.functional.cross_entropy(net(x.to(dtype), arch.op_weights()), y)
        w_opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        w_opt.step()
    return (time.perf_counter() - start) / steps


def lightning(cfg: object, steps: int) -> float:
    """Seconds per step of SearchModule under its Trainer."""
    with tempfile.TemporaryDirectory() as tmp:
        module, datamodule, trainer, _ = build(cfg, Path(tmp))
        start = time.perf_counter()
        trainer.fit(module, datamodule)
        return (time.perf_counter() - start) / steps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--rounds", type=int, default=3)
    args, overrides = p.parse_known_args()
    cfg = config(overrides, args.steps)
    torch.set_num_threads(1)
    times: dict[str, list[float]] = {"hand": [], "lightning": []}
    for round_ in range(args.rounds + 1):  # round 0 warms both up
        for name, path in (("hand", hand), ("lightning", lightning)):
            seconds = path(cfg, args.steps)
            if round_:
                times[name].append(seconds)
    a, b = (statistics.median(times[k]) for k in ("hand", "lightning"))
    print(f"config: {' '.join(overrides) or '(overlay as shipped)'}; {args.steps} steps")
    print("| path | ms per step (median of rounds) | ÷ hand |")
    print("|---|---|---|")
    print(f"| (a) hand loop | {1e3 * a:.1f} | 1.00 |")
    print(f"| (b) darts_lab (Lightning) | {1e3 * b:.1f} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
