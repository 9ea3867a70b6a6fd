"""The DARTS recurrent space, the text data and the language-model task (issue: RNN/PTB)."""

import json
import math
from collections import Counter
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_dir

from darts_lab.config import ConfigError
from darts_lab.data.errors import DataError
from darts_lab.data.ptb import PtbDataModule
from darts_lab.data.text import EOS, TextBatch, batchify, jittered_windows
from darts_lab.data.tiny_corpus import TinyCorpusDataModule
from darts_lab.export.artifacts import read_genotype
from darts_lab.search import run_search
from darts_lab.search_space.darts_rnn import DartsRnnSearch, RnnGenotype
from darts_lab.search_space.rnn_cell import DiscreteCell, RnnLanguageModel
from darts_lab.task.language_model import LanguageModel
from darts_lab.train import run_train
from tests.conftest import CONF_DIR, make_cfg

TEXT = ["dataset=tiny_corpus", "task=language_model", "search_space=darts_rnn"]


def unigram_perplexity(train: torch.Tensor, test: torch.Tensor) -> float:
    """Perplexity on `test` of word frequencies counted on `train` (add-one smoothed): the
    baseline a trained language model has to beat."""
    counts = Counter(train.tolist())
    vocab = len(set(train.tolist()) | set(test.tolist()))
    total = len(train) + vocab
    nll = -sum(math.log((counts[t] + 1) / total) for t in test.tolist()) / len(test)
    return math.exp(nll)


def supernet(**kw) -> DartsRnnSearch:
    torch.manual_seed(0)
    sizes = {"vocab_size": 11, "nhid": 6, "steps": 4, **kw}
    return DartsRnnSearch(**sizes)


def test_cell_shapes_and_hidden_carry_over() -> None:
    net = supernet(dropout=0, dropouth=0, dropoutx=0, dropouti=0).eval()
    weights = {"recurrent": torch.rand(10, 5).softmax(-1)}
    words = torch.randint(11, (7, 3))
    log_prob, raw = net(words, weights)
    assert log_prob.shape == (7, 3, 11) and raw.shape == (7, 3, 6)
    torch.testing.assert_close(log_prob.exp().sum(-1), torch.ones(7, 3))
    # two windows through the task, the hidden state carried, equal one 7-step window
    task = LanguageModel(tar=0.0, bptt=4)
    first = TextBatch(words[:4], words[1:5], "train", 4)
    second = TextBatch(words[4:], words[4:], "train", 3)
    out1, _ = task(net, first, weights)
    out2, _ = task(net, second, weights)
    torch.testing.assert_close(torch.cat([out1.log_prob, out2.log_prob]), log_prob)
    assert not task.hidden["train"].requires_grad  # carried, not back-propagated through
    task.reset()
    out3, _ = task(net, second, weights)  # from a zero state again
    assert not torch.allclose(out3.log_prob, out2.log_prob)


def test_mixed_cell_on_one_hot_weights_is_the_discrete_cell() -> None:
    net = supernet(dropout=0, dropouth=0, dropoutx=0, dropouti=0)  # train mode: BN batch stats
    genes = [("relu", 0), ("tanh", 1), ("identity", 0), ("sigmoid", 2)]
    rows = {(j, i): r for r, (j, i) in enumerate(net.edges())}
    onehot = torch.zeros(10, 5)
    for i, (op, pred) in enumerate(genes, start=1):
        onehot[rows[(pred, i)], net.ops.index(op)] = 1.0
    discrete = DiscreteCell(genes, 6, 6, 0.0, 0.0, batchnorm=True)
    discrete.load_state_dict(net.cell.state_dict(), strict=False)
    lm = RnnLanguageModel(discrete, 11, 6, 0.0, 0.0, 0.0)
    lm.encoder.load_state_dict(net.encoder.state_dict())
    lm.decoder.load_state_dict(net.decoder.state_dict())
    words = torch.randint(11, (5, 4))
    expected, _ = lm.language_model(words, lm.init_hidden(4))
    got, _ = net(words, {"recurrent": onehot})
    torch.testing.assert_close(got, expected)
    assert net.discretize({"recurrent": onehot}).recurrent == genes


def test_discretization_on_crafted_alpha() -> None:
    net = supernet(steps=3)  # rows: 1←0 | 2←0 2←1 | 3←0 3←1 3←2; ops none tanh relu sigmoid id
    w = torch.full((6, 5), 0.1)
    w[0] = torch.tensor([0.9, 0.02, 0.03, 0.04, 0.01])  # "none" never counts: sigmoid
    w[1, 2], w[2, 4] = 0.5, 0.6  # node 2: predecessor 1 (identity 0.6) beats 0 (relu 0.5)
    w[3, 1], w[5, 1] = 0.7, 0.7  # node 3: a tie goes to the lower predecessor
    genotype = net.discretize({"recurrent": w})
    assert genotype.recurrent == [("sigmoid", 0), ("identity", 1), ("tanh", 0)]
    assert genotype.concat == [1, 2, 3]
    onehot = net.project({"recurrent": w}, net.selectable())["recurrent"]
    assert onehot.sum() == 3 and onehot[0, 3] == onehot[2, 4] == onehot[3, 1] == 1
    assert RnnGenotype.from_json(genotype.to_json()) == genotype
    assert str(genotype).startswith("Genotype(recurrent=[('sigmoid', 0)")


def write_ptb(folder: Path, valid: str = "a b\n") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ptb.train.txt").write_text(" the cat <unk> sat \n the dog sat \n" * 30)
    (folder / "ptb.valid.txt").write_text(valid * 30)
    (folder / "ptb.test.txt").write_text(" the <unk> ran \n" * 30)


def test_ptb_loader_reads_the_real_format(tmp_path: Path) -> None:
    write_ptb(tmp_path / "ptb")
    data = PtbDataModule(tmp_path, batch_size=4, eval_batch_size=2, bptt=5)
    data.check()
    data.prepare()
    ids = data.vocab.ids
    assert list(ids)[:6] == ["the", "cat", "<unk>", "sat", EOS, "dog"]  # order of appearance
    assert data.vocab_size == len(ids) == 9  # + a, b (valid) and ran (test)
    assert data.tokens["train"][:6].tolist() == [0, 1, 2, 3, 4, 0]
    assert len(data.tokens["train"]) == 60 * 4 + 30  # words + one <eos> per line
    data.setup()
    batch = next(iter(data.val_dataloader()))
    assert batch.data.shape == (5, 2) and batch.stream == "val"
    torch.testing.assert_close(batch.target[:-1], batch.data[1:])


def test_ptb_missing_or_empty_files_are_named(tmp_path: Path) -> None:
    write_ptb(tmp_path, valid="")
    (tmp_path / "ptb.test.txt").unlink()
    with pytest.raises(DataError, match=r"ptb.valid.txt, ptb.test.txt missing or empty in"):
        PtbDataModule(tmp_path).check()


def test_batchify_and_jittered_windows() -> None:
    source = batchify(torch.arange(23), 4)
    assert source.shape == (5, 4) and source[:, 1].tolist() == [5, 6, 7, 8, 9]
    search = jittered_windows(10_000, 35, 20, seed=3)  # DARTS's search: 35, or 17 (p = 0.05)
    assert {n for _, n in search} == {35, 17}
    plan = jittered_windows(10_000, 35, 20, seed=3, noise=5.0)  # its retraining
    assert plan == jittered_windows(10_000, 35, 20, seed=3, noise=5.0)  # only the seed decides
    lengths = torch.tensor([n for _, n in plan], dtype=torch.float)
    assert lengths.min() >= 5 and lengths.max() <= 55 and len(set(lengths.tolist())) > 10
    assert 32 < lengths.mean() < 36  # 0.95·35 + 0.05·17.5 = 34.1
    starts = [s for s, _ in plan]
    assert starts[1:] == [s + n for s, n in plan[:-1]]  # windows tile the stream


def test_perplexity_is_exp_of_the_mean_cross_entropy() -> None:
    task = LanguageModel()
    log_prob = torch.log_softmax(torch.tensor([[[2.0, 0.0, -1.0]], [[0.0, 1.0, 0.0]]]), -1)
    target = torch.tensor([[0], [2]])  # [T=2, B=1]
    metric = task.metric()
    metric(*task.metric_inputs(type("O", (), {"log_prob": log_prob})(), target))
    by_hand = -(log_prob[0, 0, 0] + log_prob[1, 0, 2]) / 2
    assert math.isclose(float(metric.compute()), math.exp(float(by_hand)), rel_tol=1e-6)


def test_tar_only_on_the_w_loss() -> None:
    net = supernet()
    weights = {"recurrent": torch.full((10, 5), 0.2)}
    words = torch.randint(11, (6, 2))
    task = LanguageModel(tar=1.0, bptt=6)
    out, target = task(net, TextBatch(words, words, "train", 6), weights)
    nll = F.nll_loss(out.log_prob.flatten(0, 1), target.flatten())
    tar = (out.raw[1:] - out.raw[:-1]).pow(2).mean()
    torch.testing.assert_close(task.loss(out, target), nll + tar)
    out, target = task(net, TextBatch(words, words, "arch", 6), weights)
    torch.testing.assert_close(
        task.loss(out, target), F.nll_loss(out.log_prob.flatten(0, 1), target.flatten())
    )
    assert task.lr_scale(TextBatch(words, words, "train", 7)) == 7 / 6


def test_tiny_corpus_is_deterministic() -> None:
    a, b = TinyCorpusDataModule(), TinyCorpusDataModule()
    a.prepare()
    b.prepare()
    assert torch.equal(a.tokens["train"], b.tokens["train"])
    assert a.vocab_size < 60 and len(a.tokens["train"]) > 15_000
    # the unigram baseline a trained model has to beat (README: measured perplexities)
    assert 15 < unigram_perplexity(a.tokens["train"], a.tokens["test"]) < 30


def test_text_data_with_an_image_space_is_refused(tmp_path: Path) -> None:
    cfg = make_cfg("dataset=tiny_corpus")
    with pytest.raises(ConfigError, match=r"dataset=.*\(text\), task=.*\(image\)") as err:
        run_search(cfg, tmp_path)
    assert "\n" not in str(err.value)


def test_darts_prime_search_moves_alpha_and_w_then_retrains(tmp_path: Path) -> None:
    cfg = make_cfg(
        "+experiment=darts_prime_ptb",
        *TEXT,
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "schedule.r=1",
        "schedule.h0=1e6",  # FIMT: an α-step after every w-step here
        "figures=true",
    )
    torch.manual_seed(0)
    run_search(cfg, tmp_path)
    weights = json.loads((tmp_path / "alphas.json").read_text())["weights"]["recurrent"]
    uniform = 1 / 5
    assert max(abs(x - uniform) for row in weights for x in row) > 1e-4  # α moved
    ckpt = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=False)
    assert int(ckpt["state_dict"]["a_steps"]) >= 1 and int(ckpt["state_dict"]["w_steps"]) == 2
    genotype = read_genotype(tmp_path / "genotype.json")
    assert isinstance(genotype, RnnGenotype) and len(genotype.recurrent) == 3
    assert (tmp_path / "recurrent_cell.png").exists()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        train_cfg = compose(
            "train",
            overrides=[
                "eval=tiny_corpus",
                f"genotype={tmp_path}",
                "retraining.model.nhid=8",
                "trainer.max_epochs=1",
                "trainer.limit_train_batches=3",
                "trainer.limit_val_batches=2",
                "trainer.limit_test_batches=2",
                "trainer.enable_progress_bar=false",
                "logger=none",
            ],
        )
    result = run_train(train_cfg, tmp_path / "train")
    assert result["epochs"] == 1 and 1 < result["test_ppl"] < 100
    assert result["valid_ppl"] > 1 and result["params_m"] > 0
