"""Issue #33: searches at every input size `perf.channels_last: auto` puts in NHWC finish. torch
2.14's oneDNN weight gradient of a stride-2 1×1 conv in NHWC corrupts the heap from 56 px up
(scripts/nhwc_conv_crash.py); FactorizedReduce routes around it. A segfault cannot be caught
in-process, so each case runs its searches in a child process and the test asserts its exit."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_image_folder import write_imagenet

ROOT = Path(__file__).resolve().parents[1]
# sizes auto puts in NHWC (>= 32 px on CPU), the crashing ones of the kernel scan included
SIZES = (32, 56, 64, 112, 224)
# the child: one 2-step search per size under the default perf.channels_last=auto
CHILD = """
import sys
from pathlib import Path
from darts_lab import perf
from darts_lab.search import run_search
from tests.conftest import make_cfg
root, run, sizes, *overrides = sys.argv[1:]
for size in map(int, sizes.split(",")):
    cfg = make_cfg(*overrides, "dataset=imagenet", f"data_dir={root}", f"dataset.image_size={size}",
                   "dataset.batch_size=4", "trainer.limit_train_batches=2", "search_space.layers=3")
    assert cfg.perf.channels_last == "auto" and perf.channels_last("auto", size, cuda=False)
    run_search(cfg, Path(run) / str(size))
    print("finished", size, flush=True)
"""


@pytest.mark.parametrize(
    "overrides,sizes",
    [
        (["+experiment=darts"], SIZES),
        (["+experiment=pcdarts"], SIZES),
        (["+experiment=pcdarts", "search_space.stem=imagenet"], (224,)),  # the stem: 224 → 28
    ],
    ids=["darts", "pcdarts", "pcdarts-imagenet-stem"],
)
def test_searches_at_every_nhwc_size_exit_cleanly(
    overrides: list, sizes: tuple, tmp_path: Path
) -> None:
    root = write_imagenet(tmp_path / "ilsvrc", classes=3, per_class=12)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(root),
            str(tmp_path / "run"),
            ",".join(map(str, sizes)),
            *overrides,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},  # beside the other xdist worker
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert [line for line in done.stdout.splitlines() if line.startswith("finished")] == [
        f"finished {size}" for size in sizes
    ]
