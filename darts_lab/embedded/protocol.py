"""The fixed training protocol of the embedded benchmark: one cell of the NAS-Bench-201
topology, trained from scratch on an embedded dataset and scored on held-out images.

The network is darts_lab's own NB201 supernet with the cell's op on every edge given as a GDAS
`choice` (so only that op is computed and trained): the same modules a search mixes. Default
data: the Fashion-MNIST subset shipped in the package at 16×16 (darts_lab/data/fashion_mnist.py):
of its 11,000 training images 1,000 are held out (seed 0) for validation and 10,000 train; its
5,000 test images are the search's test set too.

Why these numbers (docs/embedded.md, scripts/embedded_candidates.py: 150 seeded
random cells per candidate, τ against AnalogNAS-Bench's CIFAR-10): more training images moved
τ more than epochs, channels or cells per stage did; 10,000 images × 2 epochs with 4 channels
and one cell per stage cost ~7 s a run on one core, 3 seeds of the 1,066 distinct cells over
{none, skip_connect, nor_conv_3x3, avg_pool_3x3} in ~2.8 h with 2 processes. The first table
(scikit-learn's 8×8 digits, `dataset="digits"`) ranked cells at τ 0.19 against CIFAR-10.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch.optim import SGD
from torch.optim.lr_scheduler import CosineAnnealingLR

from darts_lab.data.base import SearchDataModule
from darts_lab.data.digits import DigitsDataModule
from darts_lab.data.fashion_mnist import FashionMNISTDataModule
from darts_lab.search_space.nb201 import Nb201Genotype, Nb201Network


@dataclass(frozen=True)
class Protocol:
    ops: tuple[str, ...] = ("none", "skip_connect", "nor_conv_3x3", "avg_pool_3x3")
    channels: int = 4
    cells_per_stage: int = 1
    epochs: int = 2
    batch_size: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    val_images: int = 1000
    seeds: tuple[int, ...] = (0, 1, 2)
    image_size: int = 16  # the dataset resized (bilinear, antialiased) to this side
    shift: int = 0  # augmentation: random translation by up to this many pixels
    dtype: str = "float32"  # float64 shrinks rounding differences between CPUs (2-2.7× the cost)
    dataset: str = "fashion_mnist"  # a key of DATASETS
    train_images: int | None = 10_000  # the first N of the training images after val (None: all)

    def to_json(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


# Keys a table written before they existed lacks: such a table was built with these values.
LEGACY = {"dataset": "digits", "train_images": None}
# The embedded datasets a protocol can train on, each at the protocol's image size.
DATASETS: dict[str, type[SearchDataModule]] = {
    "digits": DigitsDataModule,
    "fashion_mnist": FashionMNISTDataModule,
}


def embedded_data(protocol: Protocol) -> SearchDataModule:
    options = {"embedded": True} if protocol.dataset == "fashion_mnist" else {}
    return DATASETS[protocol.dataset](image_size=protocol.image_size, **options)


def protocol_splits(protocol: Protocol) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """train / val / test tensors at the protocol's size and dtype; the train-val split is fixed
    (seed 0), independent of runs."""
    train, test = embedded_data(protocol)._tensors()
    dtype = getattr(torch, protocol.dtype)
    x, y = train.tensors
    x = x.to(dtype)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    val, fit = perm[: protocol.val_images], perm[protocol.val_images :][: protocol.train_images]
    x_test, y_test = test.tensors
    return {"train": (x[fit], y[fit]), "val": (x[val], y[val]), "test": (x_test.to(dtype), y_test)}


def random_shift(x: torch.Tensor, pixels: int, generator: torch.Generator) -> torch.Tensor:
    """Each image translated by its own random (dy, dx) in [-pixels, pixels], background-filled
    (a crop of the padded image, as CIFAR's crop augmentation; digits are not flipped)."""
    if pixels == 0:
        return x
    n, c, h, w = x.shape
    padded = F.pad(x, (pixels,) * 4, value=float(x.min()))
    dy, dx = torch.randint(0, 2 * pixels + 1, (2, n), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]
    return padded[
        torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None], rows, cols
    ]


@torch.no_grad()
def correct(net: Nb201Network, weights: dict, choices: dict, data: tuple) -> int:
    """How many images of `data` the network classifies correctly."""
    net.eval()
    x, y = data
    return int((net(x, weights, choices).argmax(-1) == y).sum())


def train_cell(arch: str, seed: int, protocol: Protocol, splits: dict) -> dict:
    """Train one cell with one seed; its accuracies, parameters and wall time."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    cell = Nb201Genotype.from_string(arch)
    ops = list(protocol.ops)
    dtype = getattr(torch, protocol.dtype)
    net = Nb201Network(1, 10, protocol.channels, protocol.cells_per_stage, ops).to(dtype)
    choice = [ops.index(op) for op in cell.ops]
    weights = {"cell": F.one_hot(torch.tensor(choice), len(ops)).to(dtype)}
    choices = {"cell": choice}
    opt = SGD(
        net.parameters(),
        protocol.lr,
        momentum=protocol.momentum,
        weight_decay=protocol.weight_decay,
    )
    x, y = splits["train"]
    steps = (len(y) + protocol.batch_size - 1) // protocol.batch_size
    schedule = CosineAnnealingLR(opt, T_max=protocol.epochs * steps)
    g = torch.Generator().manual_seed(seed)
    for _ in range(protocol.epochs):
        net.train()
        for idx in torch.randperm(len(y), generator=g).split(protocol.batch_size):
            inputs = random_shift(x[idx], protocol.shift, g)
            loss = F.cross_entropy(net(inputs, weights, choices), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
    used = {name for name, p in net.named_parameters() if p.grad is not None}
    params = sum(p.numel() for name, p in net.named_parameters() if name in used)
    scored = ("val", "test")  # not the training images: 20 % of a Fashion-MNIST run, unused
    counts = {split: correct(net, weights, choices, splits[split]) for split in scored}
    return {
        **{f"{split}_acc": counts[split] / len(splits[split][1]) for split in scored},
        "test_correct": counts["test"],
        "test_images": len(splits["test"][1]),
        "params": params,
        "seconds": time.perf_counter() - start,
    }
