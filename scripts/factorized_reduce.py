"""Does routing FactorizedReduce around the crashing NHWC kernel (issue #33) cost time? One
supernet forward + backward (the w-step's arithmetic) at CIFAR size, with FactorizedReduce in
today's form (stride-1 1×1 convs on every other pixel) and in the original form (stride-2 1×1
convs, safe at 32 px), alternating in one process, NHWC and NCHW. Prints each form's median
step time and the ratio, measured side by side.

    .venv/bin/python scripts/factorized_reduce.py [--size 32] [--batch 32] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")  # set before torch starts its pool

import torch  # noqa: E402
from torch import nn  # noqa: E402

from darts_lab.search_space import ops  # noqa: E402
from darts_lab.search_space.darts_cnn import SearchNetwork  # noqa: E402


class StrideTwoReduce(ops.FactorizedReduce):
    """The original form, for timing only: the 1×1 convs carry the stride themselves."""

    def after_relu(self, x: torch.Tensor) -> torch.Tensor:
        conv = nn.functional.conv2d
        a = conv(x, self.conv_1.weight, stride=2)
        b = conv(nn.functional.pad(x[:, :, 1:, 1:], (0, 1, 0, 1)), self.conv_2.weight, stride=2)
        return self.bn(torch.cat([a, b], dim=1))


def build(form: type, layout: torch.memory_format) -> SearchNetwork:
    ops.FactorizedReduce, saved = form, ops.FactorizedReduce
    try:  # the network's modules pick the class up at construction
        import darts_lab.search_space.darts_cnn as cnn

        cnn.FactorizedReduce, saved_cnn = form, cnn.FactorizedReduce
        torch.manual_seed(0)
        net = SearchNetwork(3, 10, init_channels=16, layers=8).to(memory_format=layout)
    finally:
        ops.FactorizedReduce, cnn.FactorizedReduce = saved, saved_cnn
    return net


def step_time(net: SearchNetwork, x: torch.Tensor, weights: dict) -> float:
    start = time.perf_counter()
    nn.functional.cross_entropy(net(x, weights), torch.zeros(len(x), dtype=torch.long)).backward()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}, "
        f"{args.size} px, DARTS supernet 8 cells × 16 channels; median of {args.rounds}"
    )
    for name, layout in (("NHWC", torch.channels_last), ("NCHW", torch.contiguous_format)):
        nets = {
            "subsample (today)": build(ops.FactorizedReduce, layout),
            "stride-2 (original)": build(StrideTwoReduce, layout),
        }
        x = torch.randn(args.batch, 3, args.size, args.size).contiguous(memory_format=layout)
        weights = {t: torch.softmax(torch.randn(14, 8), -1) for t in ("normal", "reduce")}
        times: dict[str, list[float]] = {k: [] for k in nets}
        for net in nets.values():  # warm-up
            step_time(net, x, weights)
        for _ in range(args.rounds):  # alternating, so drift hits both
            for k, net in nets.items():
                times[k].append(step_time(net, x, weights))
        medians = {k: statistics.median(v) for k, v in times.items()}
        line = ", ".join(f"{k} {m:.3f} s" for k, m in medians.items())
        ratio = medians["subsample (today)"] / medians["stride-2 (original)"]
        print(f"  {name}: {line}; today / original = {ratio:.3f}")


if __name__ == "__main__":
    main()
