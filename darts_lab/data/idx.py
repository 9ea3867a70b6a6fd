"""The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian header — two zero
bytes, a type byte (0x08: unsigned byte), the number of dimensions — then each dimension's size as
a 4-byte integer, then the values. Gzipped (`.gz`, as distributed) or plain. A file that is not
IDX, is truncated or has another shape is one line naming it."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from darts_lab.data.errors import DataError

UNSIGNED_BYTE = 0x08


def read_idx(path: Path, dims: int) -> np.ndarray:
    """The uint8 array in `path` (gzipped when it starts with gzip's magic), of `dims` dims."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise DataError(f"{path}: not a complete gzip file ({e})") from None
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != UNSIGNED_BYTE or raw[3] != dims:
        raise DataError(
            f"{path}: not an IDX file of {dims}-dimensional unsigned bytes (magic number "
            f"{raw[:4].hex() or 'missing'}, expected 0000080{dims})"
        )
    header = 4 + 4 * dims
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    size = int(np.prod(shape))
    if len(raw) - header != size:
        raise DataError(
            f"{path}: truncated or padded IDX file: header says {'×'.join(map(str, shape))} = "
            f"{size} bytes, the file holds {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_images_and_labels(images: Path, labels: Path) -> tuple[np.ndarray, np.ndarray]:
    """N×H×W images and N labels, checked to be as many."""
    x, y = read_idx(images, 3), read_idx(labels, 1)
    if len(x) != len(y):
        raise DataError(f"{images} holds {len(x)} images but {labels} holds {len(y)} labels")
    return x, y
