"""The interface of a zero-cost proxy: `score(net, images, labels)` rates an untrained network
from one minibatch, higher meaning "expected to train to a better accuracy". `score` leaves the
network as it was (`scratch`); a proxy that changes weights works on a copy. Its name is its
option's file name in conf/proxy/, read from there, never typed a second time; `Proxy.load(name)`
builds it with that file's settings.

The conventions every proxy here shares with the reference code (Abdelfattah et al., ICLR 2021,
github.com/mohsaied/zero-cost-nas, and NASLib's predictors/utils/pruners): the network is in
training mode (BatchNorm normalises with the batch's statistics), the loss is cross-entropy, and
the per-weight proxies sum over the weights of the Conv2d and Linear layers only (`layers`; a
layer that did not take part in the forward pass contributes nothing)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import torch
from hydra.utils import get_class, instantiate
from omegaconf import OmegaConf
from torch import nn

from darts_lab.config import ConfigError
from darts_lab.config_path import conf_dir, group_targets, option_name

CONF = conf_dir() / "proxy"
LAYERS = (nn.Conv2d, nn.Linear)


def proxy_options() -> dict[str, str]:
    """conf/proxy/: each option's name → the class it configures."""
    return group_targets("proxy")


class Proxy:
    name: ClassVar[str]  # its option in conf/proxy/

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if name := option_name(cls, "proxy"):
            cls.name = name

    @staticmethod
    def available() -> dict[str, type[Proxy]]:
        """Every proxy in conf/proxy/, by name."""
        return {name: get_class(target) for name, target in proxy_options().items()}

    @staticmethod
    def load(name: str, option: str = "proxy") -> Proxy:
        """The proxy conf/proxy/<name>.yaml configures; an unknown name is one line naming the
        options."""
        if name not in proxy_options():
            raise ConfigError(
                f"{option}={name}: no such proxy; the options: {', '.join(proxy_options())} "
                f"(conf/proxy/)"
            )
        return instantiate(OmegaConf.load(CONF / f"{name}.yaml"))

    def score(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        """The proxy's value for the network on this minibatch (higher: expected to be better);
        the network is left as it was."""
        with scratch(net):
            return float(self.measure(net, images, labels))

    def measure(self, net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        """The proxy itself, given the network in training mode with no gradients: it may run
        passes, set modes and fill gradients (`score` restores all of that), not change weights."""
        raise NotImplementedError


def layers(net: nn.Module) -> list[nn.Module]:
    """The layers whose weights the per-weight proxies sum over: Conv2d and Linear."""
    return [m for m in net.modules() if isinstance(m, LAYERS)]


def working_copy(net: nn.Module) -> nn.Module:
    """A copy of the network in training mode with no gradients, for a proxy to change freely."""
    net = copy.deepcopy(net).train()
    net.zero_grad(set_to_none=True)
    return net


@contextmanager
def scratch(net: nn.Module) -> Iterator[nn.Module]:
    """The network itself in training mode with no gradients; on leaving, its parameters,
    buffers (BatchNorm's running statistics, which training-mode passes update), gradients and
    modes are what they were. Cheaper than `working_copy` (a copy of the embedded benchmark's
    network costs 6× the saving and restoring)."""
    state = {key: value.clone() for key, value in net.state_dict().items()}
    grads = {name: p.grad for name, p in net.named_parameters()}
    modes = {module: module.training for module in net.modules()}
    net.train().zero_grad(set_to_none=True)
    try:
        yield net
    finally:
        net.load_state_dict(state)
        for name, p in net.named_parameters():
            p.grad = grads[name]
        for module, training in modes.items():
            module.training = training


def loss_gradients(
    net: nn.Module, images: torch.Tensor, labels: torch.Tensor
) -> list[torch.Tensor | None]:
    """∂L/∂W of every layer's weight (`layers` order; None where the weight took no part), L the
    mean cross-entropy of the batch."""
    weights = [layer.weight for layer in layers(net)]
    loss = nn.functional.cross_entropy(net(images), labels)
    if not loss.requires_grad:  # no weight reaches the output
        return [None] * len(weights)
    return list(torch.autograd.grad(loss, weights, allow_unused=True))
