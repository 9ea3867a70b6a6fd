"""The DARTS recurrent cell and language model (Liu et al. 2019, §2.1 and quark0/darts `rnn/`),
shared by the search supernet (darts_rnn.py) and the evaluation model (eval/language_model.py).

A cell step: s0 = h + σ(c0)·(tanh(h0) − h) with [c0, h0] = [x, h]·W0 (a highway update); then each
intermediate node i updates a predecessor s_j the same way with its own W_i and an activation
f ∈ {tanh, relu, sigmoid, identity}: s_i = s_j + σ(c)·(f(h') − s_j), [c, h'] = s_j·W_i. The cell's
new hidden state is the mean of the intermediate nodes. DARTS's dropouts: variational masks on x
and on every state fed to a W (fixed over the time steps of a batch), locked dropout on the
embeddings and outputs, embedding (word) dropout.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

INIT_RANGE = 0.04  # DARTS's uniform init of W0, the W_i and the (tied) embedding
RNN_OPS: tuple[str, ...] = ("none", "tanh", "relu", "sigmoid", "identity")
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "identity": lambda h: h,
}


def dropout_mask(like: torch.Tensor, shape: tuple[int, ...], p: float) -> torch.Tensor:
    """An inverted-dropout mask of `shape` (kept units scaled by 1/(1 − p))."""
    return like.new_empty(shape).bernoulli_(1.0 - p) / (1.0 - p)


def locked_dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """One mask per sequence, shared by every time step ([T, B, D] input)."""
    if not training or p == 0:
        return x
    return x * dropout_mask(x, (1, x.size(1), x.size(2)), p)


def embedded_dropout(embed: nn.Embedding, words: torch.Tensor, p: float) -> torch.Tensor:
    """Drop whole words from the vocabulary for this batch (every occurrence alike)."""
    weight = embed.weight
    if p > 0:
        weight = weight * dropout_mask(weight, (weight.size(0), 1), p)
    return nn.functional.embedding(words, weight)


class RecurrentCell(nn.Module):
    """Runs the cell over a sequence; subclasses define the intermediate nodes (`nodes`)."""

    def __init__(
        self,
        ninp: int,
        nhid: int,
        steps: int,
        dropouth: float,
        dropoutx: float,
        batchnorm: bool,
    ) -> None:
        super().__init__()
        self.nhid, self.steps = nhid, steps
        self.dropouth, self.dropoutx = dropouth, dropoutx
        self.w0 = nn.Parameter(torch.empty(ninp + nhid, 2 * nhid).uniform_(-INIT_RANGE, INIT_RANGE))
        self.ws = nn.ParameterList(
            nn.Parameter(torch.empty(nhid, 2 * nhid).uniform_(-INIT_RANGE, INIT_RANGE))
            for _ in range(steps)
        )
        # the search cell's non-affine BatchNorm after s0 and after every node (DARTS search)
        self.bn = nn.BatchNorm1d(nhid, affine=False) if batchnorm else None

    def norm(self, s: torch.Tensor) -> torch.Tensor:
        return s if self.bn is None else self.bn(s)

    def forward(
        self, inputs: torch.Tensor, hidden: torch.Tensor, **node_args: object
    ) -> torch.Tensor:
        """[T, B, ninp] inputs and the [B, nhid] state → [T, B, nhid] states (the last one is
        the state to carry into the next batch)."""
        batch = inputs.size(1)
        x_mask = h_mask = None
        if self.training:
            x_mask = dropout_mask(inputs, (batch, inputs.size(2)), self.dropoutx)
            h_mask = dropout_mask(hidden, (batch, self.nhid), self.dropouth)
        outputs = []
        for x in inputs:
            hidden = self.step(x, hidden, x_mask, h_mask, **node_args)
            outputs.append(hidden)
        return torch.stack(outputs)

    def step(
        self,
        x: torch.Tensor,
        h: torch.Tensor,
        x_mask: torch.Tensor | None,
        h_mask: torch.Tensor | None,
        **node_args: object,
    ) -> torch.Tensor:
        xh = torch.cat([x, h] if x_mask is None else [x * x_mask, h * h_mask], dim=-1)
        c0, h0 = (xh @ self.w0).split(self.nhid, dim=-1)
        s0 = self.norm(h + c0.sigmoid() * (h0.tanh() - h))
        states = self.nodes(s0, h_mask, **node_args)
        return torch.stack(states[1:]).mean(dim=0)

    @staticmethod
    def highway(
        s: torch.Tensor, ch: torch.Tensor, activation: Callable[[torch.Tensor], torch.Tensor]
    ) -> torch.Tensor:
        """s + σ(c)·(f(h) − s) for [..., 2·nhid] pre-activations ch = [c, h]."""
        c, h = ch.chunk(2, dim=-1)
        return s + c.sigmoid() * (activation(h) - s)

    def nodes(
        self, s0: torch.Tensor, h_mask: torch.Tensor | None, **node_args: object
    ) -> list[torch.Tensor]:
        """[s0, s1, ..., s_steps]."""
        raise NotImplementedError


class DiscreteCell(RecurrentCell):
    """The cell of one genotype: node i applies its op to its one predecessor."""

    def __init__(
        self,
        genes: list[tuple[str, int]],
        ninp: int,
        nhid: int,
        dropouth: float,
        dropoutx: float,
        batchnorm: bool = False,
    ) -> None:
        super().__init__(ninp, nhid, len(genes), dropouth, dropoutx, batchnorm)
        self.genes = list(genes)

    def nodes(
        self, s0: torch.Tensor, h_mask: torch.Tensor | None, **node_args: object
    ) -> list[torch.Tensor]:
        states = [s0]
        for w, (op, pred) in zip(self.ws, self.genes, strict=True):
            s = states[pred]
            ch = (s if h_mask is None else s * h_mask) @ w
            states.append(self.norm(self.highway(s, ch, ACTIVATIONS[op])))
        return states


class RnnLanguageModel(nn.Module):
    """Embedding → recurrent cell → decoder tied to the embedding (so ninp = nhid), with
    DARTS's dropouts; returns log-probabilities."""

    def __init__(
        self,
        cell: RecurrentCell,
        vocab_size: int,
        nhid: int,
        dropout: float,
        dropouti: float,
        dropoute: float,
    ) -> None:
        super().__init__()
        self.cell = cell
        self.nhid = nhid
        self.dropout, self.dropouti, self.dropoute = dropout, dropouti, dropoute
        self.encoder = nn.Embedding(vocab_size, nhid)
        self.decoder = nn.Linear(nhid, vocab_size)
        self.decoder.weight = self.encoder.weight  # tied
        nn.init.uniform_(self.encoder.weight, -INIT_RANGE, INIT_RANGE)  # DARTS: ±0.04 too
        nn.init.zeros_(self.decoder.bias)

    def init_hidden(self, batch: int) -> torch.Tensor:
        return self.encoder.weight.new_zeros(batch, self.nhid)

    def language_model(
        self, words: torch.Tensor, hidden: torch.Tensor, **node_args: object
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """[T, B] word ids and [B, nhid] state → ([T, B, vocab] log-probs, [T, B, nhid] cell
        outputs before dropout; the last row is the next state)."""
        emb = embedded_dropout(self.encoder, words, self.dropoute if self.training else 0.0)
        emb = locked_dropout(emb, self.dropouti, self.training)
        raw = self.cell(emb, hidden, **node_args)
        out = locked_dropout(raw, self.dropout, self.training)
        return self.decoder(out).log_softmax(dim=-1), raw
