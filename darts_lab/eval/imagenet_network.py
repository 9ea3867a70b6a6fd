"""DARTS's ImageNet evaluation network, mobile setting (quark0/darts `model.py`
NetworkImageNet): a stem of three stride-2 3×3 convolutions (224 → 28), `layers` cells with
reductions at 1/3 and 2/3 (28 → 14 → 7), the auxiliary head on the 7×7 map after the cell at
2·layers//3 (without the BatchNorm after its 2×2 convolution, as the released code), a 7×7
average pool and the classifier. The same cells (EvalCell) as the CIFAR network."""

from __future__ import annotations

import torch
from torch import nn

from darts_lab.eval.network import AuxiliaryHead, build_cells
from darts_lab.search_space.darts_cnn import imagenet_stem
from darts_lab.search_space.genotype import Genotype


class ImageNetNetwork(nn.Module):
    def __init__(
        self,
        genotype: Genotype,
        in_channels: int,
        num_classes: int,
        init_channels: int = 48,
        layers: int = 14,
        auxiliary: bool = True,
        image_size: int = 224,
    ) -> None:
        super().__init__()
        c = init_channels
        self.stem0, self.stem1 = imagenet_stem(in_channels, c)  # DARTS's, as PC-DARTS's search
        self.aux_index = 2 * layers // 3
        # stem1 halves s1 against s0: the first cell reduces s0 (FactorizedReduce)
        self.cells, c_p, c_aux = build_cells(genotype, layers, c, c, reduction_prev=True)
        aux_size = max(1, image_size // 32)  # 7 at 224×224: DARTS's ImageNet head
        self.auxiliary = (
            AuxiliaryHead(c_aux, num_classes, aux_size, batchnorm=False) if auxiliary else None
        )
        self.classifier = nn.Linear(c_p, num_classes)
        self.drop_prob = 0.0  # set per epoch by the training module

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        aux = None
        s0 = self.stem0(x)
        s1 = self.stem1(s0)
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_prob)
            if i == self.aux_index and self.auxiliary is not None and self.training:
                aux = self.auxiliary(s1)
        return self.classifier(s1.mean(dim=(2, 3))), aux  # = AvgPool2d(7) at 224×224

    def num_params_m(self) -> float:
        """Parameters in millions, without the auxiliary head (as the papers count them)."""
        own = (p.numel() for n, p in self.named_parameters() if not n.startswith("auxiliary"))
        return sum(own) / 1e6
