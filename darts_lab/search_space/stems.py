"""The search stems of the DARTS CNN supernet (`search_space.stem`): what turns the input into
the first cells' two inputs."""

from __future__ import annotations

from torch import nn


def cifar_stem(in_channels: int, c: int) -> tuple[nn.Module, None]:
    """DARTS's: one 3×3 convolution at the input resolution."""
    return nn.Sequential(
        nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
    ), None


def imagenet_stem(in_channels: int, c: int) -> tuple[nn.Module, nn.Module]:
    """PC-DARTS's ImageNet search stem (model_search_imagenet.py): two stride-2 convolutions give
    s0 at 1/4 of the input, a third gives s1 at 1/8 (224 → 28)."""
    stem0 = nn.Sequential(
        nn.Conv2d(in_channels, c // 2, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(c // 2),
        nn.ReLU(),
        nn.Conv2d(c // 2, c, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(c),
    )
    stem1 = nn.Sequential(
        nn.ReLU(), nn.Conv2d(c, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c)
    )
    return stem0, stem1


STEMS = {"cifar": cifar_stem, "imagenet": imagenet_stem}
