"""How fast the ImageNet reader decodes and augments on this machine (README "ImageNet").

    python scripts/imagenet_loader.py [--images 256] [--workers 0 1 2] [--threads 1]

Writes `--images` JPEGs of ILSVRC-2012's typical size (500×375, quality 90) into a temporary
train/val tree, then times `dataset=imagenet`'s training loader (random resized crop to 224,
flip, colour jitter, normalisation; batch 64) with each worker count, after one warm-up batch.
Prints images/s per setting. A GPU node needs ~2,000-3,000 images/s per GPU for a mobile-setting
retraining not to wait on data; raise `dataset.num_workers` (one per core) or decode on the GPU.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from darts_lab.data.imagenet import ImageNetDataModule  # noqa: E402


def write_jpegs(root: Path, images: int, classes: int = 8) -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (375, 500, 3), dtype=np.uint8)
    for part, n in (("train", images), ("val", classes)):
        for i in range(n):
            folder = root / part / f"n{i % classes:08d}"
            folder.mkdir(parents=True, exist_ok=True)
            noisy = np.clip(base.astype(int) + rng.integers(-20, 20, base.shape), 0, 255)
            Image.fromarray(noisy.astype(np.uint8)).save(folder / f"{i}.JPEG", quality=90)


def images_per_second(root: Path, workers: int, batch: int) -> float:
    data = ImageNetDataModule(root, batch_size=batch, num_workers=workers, single_level=True)
    data.setup()
    loader = torch.utils.data.DataLoader(
        data.train_aug, batch_size=batch, shuffle=True, num_workers=workers
    )
    batches = iter(loader)
    next(batches)  # workers start, first batch
    start, seen = time.perf_counter(), 0
    for x, _ in batches:
        seen += x.shape[0]
    return seen / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--images", type=int, default=256)
    p.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=1, help="torch threads of the main process")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        write_jpegs(Path(scratch), args.images)
        print(f"{args.images} JPEGs 500×375 → 224 (train augmentation), batch {args.batch}")
        for workers in args.workers:
            rate = images_per_second(Path(scratch), workers, args.batch)
            print(f"  num_workers={workers}: {rate:7.1f} images/s")


if __name__ == "__main__":
    main()
