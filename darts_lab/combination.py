"""Which options work together: each piece declares what it needs (an activation its search-space
capabilities and the parameter domain it stores, an optimizer the domains it keeps, a method the
domains, inputs and ops it works on and whether it takes an unrolled α-gradient, a regularizer
the domains it works on, a selection the inputs it works on), and a search refuses a
combination that breaks one, in one line naming both options, before anything is built.
tests/test_combinations.py predicts every refusal from the same declarations."""

from __future__ import annotations

from hydra.utils import get_class
from omegaconf import DictConfig

from darts_lab.arch.activation import Activation
from darts_lab.arch_optimizer import accepted_domains
from darts_lab.callbacks.base import callback_configs
from darts_lab.config import ConfigError
from darts_lab.config_path import group_targets
from darts_lab.run_name import choice
from darts_lab.search_space.base import SearchSpace
from darts_lab.search_space.edge_ops import ops_on_every_edge


def option(cfg: DictConfig, group: str) -> str:
    """`group=choice`, as the user wrote it on the CLI."""
    return f"{group}={choice(cfg, group)}"


def check_combination(cfg: DictConfig, space: type[SearchSpace], activation: Activation) -> None:
    """Refuse, in one line naming both options, what the pieces declare they cannot do."""
    inputs = {
        "dataset": get_class(cfg.dataset._target_).inputs,
        "task": get_class(cfg.task._target_).inputs,
        "search_space": space.inputs,
    }
    if len(set(inputs.values())) > 1:
        together = ", ".join(  # what goes with the space's inputs, from conf/
            f"{group}={' or '.join(options_reading(group, space.inputs))}" for group in inputs
        )
        raise ConfigError(
            "these options work on different data: "
            + ", ".join(f"{option(cfg, group)} ({read})" for group, read in inputs.items())
            + f" ({space.inputs}: {together})"
        )
    if lacking := space.capabilities.lacks(activation.needs):
        raise ConfigError(
            f"{option(cfg, 'activation')} needs a search space with {', '.join(lacking)}, "
            f"which {option(cfg, 'search_space')} does not have"
        )
    domains = accepted_domains(cfg.arch_optimizer._target_)
    if activation.domain not in domains:
        raise ConfigError(
            f"{option(cfg, 'arch_optimizer')} keeps {' or '.join(domains)} parameters, but "
            f"{option(cfg, 'activation')} stores {activation.domain} (exponentiated gradient "
            f"goes with activation=simplex; adam and sgd with softmax or crb)"
        )
    check_method(cfg, space, activation)
    domains = get_class(cfg.regularizer._target_).activation_domains
    if domains is not None and activation.domain not in domains:
        raise ConfigError(
            f"{option(cfg, 'regularizer')} works on op weights from {' or '.join(domains)} "
            f"parameters; {option(cfg, 'activation')} stores {activation.domain}"
        )
    check_selection(cfg, space)
    for config in callback_configs(cfg):  # before any is built (an oracle loads its file)
        get_class(config._target_).check_space(space, option(cfg, "search_space"))


def options_reading(group: str, inputs: str) -> list[str]:
    """The options of conf/<group>/ (dataset, task, search_space) whose class reads `inputs`."""
    targets = group_targets(group)  # a variant of another option (its sizes) is left out
    return [name for name, target in targets.items() if get_class(target).inputs == inputs]


def check_method(cfg: DictConfig, space: type[SearchSpace], activation: Activation) -> None:
    """What the method declares it works on (method/base.py): parameter domains, inputs, ops."""
    method = get_class(cfg.method._target_)
    domains = method.activation_domains
    if domains is not None and activation.domain not in domains:
        raise ConfigError(
            f"{option(cfg, 'method')} works on op weights from {' or '.join(domains)} "
            f"parameters; {option(cfg, 'activation')} stores {activation.domain}"
        )
    if method.space_inputs is not None and space.inputs not in method.space_inputs:
        raise ConfigError(
            f"{option(cfg, 'method')} works on search spaces of {' or '.join(method.space_inputs)}"
            f" cells; {option(cfg, 'search_space')} reads {space.inputs}"
        )
    ops = ops_on_every_edge(cfg.search_space, activation.excluded_ops)  # edge_ops: per edge
    if get_class(cfg.arch_gradient._target_).unrolled and not method.takes_unrolled:
        raise ConfigError(
            f"{option(cfg, 'method')} takes first-order α-gradients only; "
            f"{option(cfg, 'arch_gradient')} unrolls a w-step (arch_gradient=first_order)"
        )
    if missing := method.missing_ops(ops):
        raise ConfigError(
            f"{option(cfg, 'method')} needs the op(s) {', '.join(missing)}, which "
            f"{option(cfg, 'search_space')} does not search over on every edge (its ops there: "
            f"{', '.join(ops) or 'none in common'})"
        )


def check_selection(cfg: DictConfig, space: type[SearchSpace]) -> None:
    """What the selection declares it works on (selection/base.py): the inputs of the space."""
    inputs = get_class(cfg.selection._target_).space_inputs
    if inputs is not None and space.inputs not in inputs:
        raise ConfigError(
            f"{option(cfg, 'selection')} works on search spaces of {' or '.join(inputs)} cells; "
            f"{option(cfg, 'search_space')} reads {space.inputs} (selection=magnitude reads any)"
        )
