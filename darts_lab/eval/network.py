"""The DARTS evaluation network for a genotype (quark0/darts `model.py` NetworkCIFAR): affine ops,
drop-path, and an auxiliary head after the cell at 2·layers//3."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.search_space.genotype import CellGenes, Genotype
from darts_lab.search_space.ops import OPS, FactorizedReduce, ReLUConvBN


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """Zero a sample's path with probability drop_prob, rescaling survivors (DARTS)."""
    keep = 1.0 - drop_prob
    mask = x.new_empty(x.size(0), 1, 1, 1).bernoulli_(keep)
    return x / keep * mask


class EvalCell(nn.Module):
    def __init__(
        self,
        genes: CellGenes,
        concat: list[int],
        c_pp: int,
        c_p: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
    ) -> None:
        super().__init__()
        self.preprocess0 = (
            FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c, 1, 1, 0)
        )
        self.preprocess1 = ReLUConvBN(c_p, c, 1, 1, 0)
        self.inputs = [src for node in genes for _, src in node]
        self.ops = nn.ModuleList(
            OPS[op](c, 2 if reduction and src < 2 else 1, True)
            for node in genes
            for op, src in node
        )
        self.concat = concat
        self.multiplier = len(concat)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for i in range(0, len(self.ops), 2):
            pair = []
            for op, src in zip(self.ops[i : i + 2], self.inputs[i : i + 2], strict=True):
                h = op(states[src])
                if self.training and drop_prob > 0 and not isinstance(op, nn.Identity):
                    h = drop_path(h, drop_prob)
                pair.append(h)
            states.append(pair[0] + pair[1])
        return torch.cat([states[i] for i in self.concat], dim=1)


def aux_pool(size: int) -> nn.Module:
    """The auxiliary head's pooling to 2×2 for a size×size feature map: DARTS's own at 8×8
    (CIFAR, 32×32 images) and 7×7 (ImageNet, 224×224); any other size pools adaptively."""
    if size in (7, 8):
        return nn.AvgPool2d(5, stride=3 if size == 8 else 2, padding=0, count_include_pad=False)
    return nn.AdaptiveAvgPool2d(2)


class AuxiliaryHead(nn.Module):
    """DARTS's auxiliary classifier, for a `size`×`size` input feature map."""

    def __init__(self, c: int, num_classes: int, size: int = 8, batchnorm: bool = True) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(),
            aux_pool(size),
            nn.Conv2d(c, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.Conv2d(128, 768, 2, bias=False),
            # DARTS's ImageNet head has no BatchNorm here (a typo in its code, kept for the paper)
            *([nn.BatchNorm2d(768)] if batchnorm else []),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


def build_cells(
    genotype: Genotype, layers: int, c: int, c_stem: int, reduction_prev: bool
) -> tuple[nn.ModuleList, int, int]:
    """DARTS's stack of `layers` cells on a stem of `c_stem` channels: reductions (doubling the
    channels) at 1/3 and 2/3. Returns the cells, the last cell's output channels and those of
    the cell at 2·layers//3, where the auxiliary head reads."""
    cells = nn.ModuleList()
    c_pp, c_p, c_curr, c_aux = c_stem, c_stem, c, c_stem
    for i in range(layers):
        reduction = i in (layers // 3, 2 * layers // 3)
        c_curr = c_curr * 2 if reduction else c_curr
        genes, concat = (
            (genotype.reduce, genotype.reduce_concat)
            if reduction
            else (genotype.normal, genotype.normal_concat)
        )
        cell = EvalCell(genes, concat, c_pp, c_p, c_curr, reduction, reduction_prev)
        cells.append(cell)
        reduction_prev = reduction
        c_pp, c_p = c_p, cell.multiplier * c_curr
        if i == 2 * layers // 3:
            c_aux = c_p
    return cells, c_p, c_aux


class EvalNetwork(nn.Module):
    def __init__(
        self,
        genotype: Genotype,
        in_channels: int,
        num_classes: int,
        init_channels: int = 36,
        layers: int = 20,
        auxiliary: bool = True,
        stem_multiplier: int = 3,
        image_size: int = 32,
    ) -> None:
        super().__init__()
        c_curr = stem_multiplier * init_channels
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr)
        )
        self.aux_index = 2 * layers // 3
        self.cells, c_p, c_aux = build_cells(genotype, layers, init_channels, c_curr, False)
        aux_size = image_size // 4  # after the two reduction cells
        self.auxiliary = AuxiliaryHead(c_aux, num_classes, aux_size) if auxiliary else None
        self.classifier = nn.Linear(c_p, num_classes)
        self.drop_prob = 0.0  # set per epoch by the training module

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        aux = None
        s0 = s1 = self.stem(x)
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_prob)
            if i == self.aux_index and self.auxiliary is not None and self.training:
                aux = self.auxiliary(s1)
        return self.classifier(s1.mean(dim=(2, 3))), aux

    def num_params_m(self) -> float:
        """Parameters in millions, without the auxiliary head (as the papers count them)."""
        return (
            sum(p.numel() for n, p in self.named_parameters() if not n.startswith("auxiliary"))
            / 1e6
        )


def multiply_adds(net: nn.Module, image_size: int, in_channels: int = 3) -> int:
    """Multiply-adds of one image through the network in inference (convolutions and linear
    layers, the auxiliary head excluded), as the papers' "×+" column counts them."""
    total = 0

    def count(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            per_output = (
                module.in_channels
                // module.groups
                * module.kernel_size[0]
                * (module.kernel_size[1])
            )
            total += output.numel() * per_output
        elif isinstance(module, nn.Linear):
            total += module.in_features * module.out_features

    hooks = [m.register_forward_hook(count) for m in net.modules()]
    was_training = net.training
    net.eval()
    weight = next(net.parameters())
    with torch.no_grad():
        net(weight.new_zeros(1, in_channels, image_size, image_size))
    net.train(was_training)
    for hook in hooks:
        hook.remove()
    return total
