"""RNN search-step time and memory: darts_lab's DARTS recurrent search (SearchModule under a
Lightning Trainer, the language-model task) beside quark0/darts's `rnn/model_search.py`, side by
side in one run.

    python scripts/rnn_step.py --original-darts PATH [--batch 256] [--nhid 300] [--bptt 35]
                                  [--steps 3] [--warmup 1] [--rounds 2]

PATH is your own checkout of quark0/darts; its `rnn/` modules are imported from there at run time
(nothing of it is in this repository). Two run-time patches make that 2018 code run on today's
torch on a CPU: `Tensor.cuda` returns the tensor itself, and `utils.embedded_dropout` (which calls
the removed `embed._backend`) is replaced by the same word dropout written with
`F.embedding`. One iteration is first order as `train_search.py` runs it: an α-step on a
validation window (Adam 3e-3, wd 1e-3), then a w-step on a training window (NLL + TAR 1e-3,
clip 0.25, SGD lr 20, wd 5e-7). Both sides see random tokens (vocabulary 10,000, PTB's size).
Each path runs in a fresh process (peak RSS growth is then its own), alternating, `--rounds`
times; the table gives the median s/iteration over all rounds and the largest peak.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_step import peak_memory  # noqa: E402

VOCAB = 10_000


def random_tokens(n: int, seed: int) -> torch.Tensor:
    return torch.randint(0, VOCAB, (n,), generator=torch.Generator().manual_seed(seed))


def time_original(args: argparse.Namespace) -> list[float]:
    rnn = Path(args.original_darts).expanduser() / "rnn"
    sys.path.insert(0, str(rnn))
    torch.Tensor.cuda = lambda self, *a, **k: self  # run-time patch: the code calls .cuda()
    import model as original_model  # quark0/darts rnn/model.py
    import model_search  # quark0/darts rnn/model_search.py

    def embedded_dropout(embed, words, dropout=0.1, scale=None):  # `_backend` is gone
        weight = embed.weight
        if dropout:
            mask = weight.new_empty(weight.size(0), 1).bernoulli_(1 - dropout) / (1 - dropout)
            weight = mask * weight
        return F.embedding(words, weight)

    original_model.embedded_dropout = embedded_dropout
    torch.manual_seed(0)
    net = model_search.RNNModelSearch(
        VOCAB, args.nhid, args.nhid, args.nhid, 0.75, 0.25, 0.75, 0.2, 0
    )
    w_opt = torch.optim.SGD(net.parameters(), 20.0, weight_decay=5e-7)
    a_opt = torch.optim.Adam(net.arch_parameters(), 3e-3, betas=(0.9, 0.999), weight_decay=1e-3)
    hidden, hidden_valid = net.init_hidden(args.batch), net.init_hidden(args.batch)
    times = []
    for step in range(args.warmup + args.steps):
        data = random_tokens((args.bptt + 1) * args.batch, step).view(args.bptt + 1, -1)
        valid = random_tokens((args.bptt + 1) * args.batch, 10_000 + step).view(args.bptt + 1, -1)
        t0 = time.perf_counter()
        net.train()
        hidden = [h.detach() for h in hidden]
        hidden_valid = [h.detach() for h in hidden_valid]
        a_opt.zero_grad()  # architect.step, first order (`_backward_step`)
        loss, hidden_valid = net._loss(hidden_valid, valid[:-1], valid[1:].reshape(-1))
        loss.backward()
        a_opt.step()
        w_opt.zero_grad()
        log_prob, hidden, rnn_hs, _ = net(data[:-1], hidden, return_h=True)
        loss = F.nll_loss(log_prob.view(-1, VOCAB), data[1:].reshape(-1))
        loss = loss + 1e-3 * (rnn_hs[-1][1:] - rnn_hs[-1][:-1]).pow(2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 0.25)
        w_opt.step()
        times.append(time.perf_counter() - t0)
    return times[args.warmup :]


def time_darts_lab(args: argparse.Namespace) -> list[float]:
    import lightning as L
    from search_step import StepTimer

    from darts_lab.arch.activation import Softmax
    from darts_lab.arch.architecture import Architecture
    from darts_lab.data.text import TextDataModule
    from darts_lab.lit.search_module import SearchModule
    from darts_lab.method.darts import Darts
    from darts_lab.regularizer.none import NoRegularizer
    from darts_lab.schedule.alternate import Alternate
    from darts_lab.search_space.darts_rnn import DartsRnnSearch
    from darts_lab.task.language_model import LanguageModel
    from darts_lab.w_optimizer.sgd import SgdCosine

    n = (args.bptt + 1) * args.batch * (args.warmup + args.steps + 1)

    class RandomText(TextDataModule):
        def lines(self) -> dict[str, list[str]]:
            words = {k: random_tokens(n, s).tolist() for k, s in (("train", 0), ("valid", 1))}
            text = {k: [" ".join(f"w{t}" for t in v)] for k, v in words.items()}
            return {**text, "test": text["valid"]}

    torch.manual_seed(0)
    data = RandomText(batch_size=args.batch, bptt=args.bptt)
    net = DartsRnnSearch(data.vocab_size, args.nhid)
    arch = Architecture(
        net.arch_shapes(), Softmax(), 1e-3, net.selectable(), net.project, net.cell_types
    )
    module = SearchModule(
        net,
        arch,
        lambda p: torch.optim.Adam(p, 3e-3, betas=(0.9, 0.999), weight_decay=1e-3),
        Alternate(),
        NoRegularizer(),
        LanguageModel(tar=1e-3, bptt=args.bptt),
        Darts(),
        SgdCosine(lr=20.0, lr_min=20.0, momentum=0.0, weight_decay=5e-7, grad_clip=0.25),
    )
    timer = StepTimer()
    with tempfile.TemporaryDirectory() as out:
        L.Trainer(
            max_epochs=1,
            default_root_dir=out,
            accelerator="cpu",
            logger=L.pytorch.loggers.CSVLogger(out),
            callbacks=[timer],
            log_every_n_steps=1,
            limit_train_batches=args.warmup + args.steps,
            limit_val_batches=0,
            enable_checkpointing=False,
            enable_model_summary=False,
            **data.trainer_options(),
        ).fit(module, datamodule=data)
    return [t for t, _ in timer.times[args.warmup :]]


PATHS = {"original": time_original, "darts_lab": time_darts_lab}


def in_fresh_process(args: argparse.Namespace, path: str) -> dict:
    cmd = [sys.executable, __file__, "--run", path]
    for key in ("original_darts", "batch", "nhid", "bptt", "steps", "warmup"):
        cmd += [f"--{key.replace('_', '-')}", str(getattr(args, key))]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{path} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--original-darts", required=True, help="a checkout of quark0/darts")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--nhid", type=int, default=300)
    p.add_argument("--bptt", type=int, default=35)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--run", choices=list(PATHS), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.run:  # one path in this fresh process: print its times and peak RSS growth
        with peak_memory(torch.device("cpu")) as mb:
            times = PATHS[args.run](args)
        print(json.dumps({"times": times, "mb": mb[0]}))
        return
    results: dict[str, dict] = {path: {"times": [], "mb": 0.0} for path in PATHS}
    for _ in range(args.rounds):  # alternating, so drift on a shared machine hits both
        for path in PATHS:
            got = in_fresh_process(args, path)
            results[path]["times"] += got["times"]
            results[path]["mb"] = max(results[path]["mb"], got["mb"])
    print(
        f"\nDARTS RNN search, batch {args.batch}, {args.nhid} hidden, bptt {args.bptt}, "
        f"{torch.get_num_threads()} threads; first-order iteration (α-step + w-step), median "
        f"of {args.steps} × {args.rounds} iterations"
    )
    base = results["original"]
    print(f"{'path':<24}{'s/iter':>10}{'ratio':>8}{'peak MB':>10}{'ratio':>8}")
    for path, r in results.items():
        t = statistics.median(r["times"])
        ratio = t / statistics.median(base["times"])
        print(f"{path:<24}{t:>10.2f}{ratio:>8.2f}{r['mb']:>10.0f}{r['mb'] / base['mb']:>8.2f}")


if __name__ == "__main__":
    main()
