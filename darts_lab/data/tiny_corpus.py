"""An embedded corpus for CPU searches: English-like sentences from a small stochastic grammar,
generated deterministically (no download).

What makes the recurrent architecture matter: a verb agrees in number with its subject across an
optional relative clause ("the dogs that the cat sees run"), and sentences sit inside nested
brackets whose closing count must be remembered ("( ( the cat runs ) )"). A unigram model cannot
know either; a recurrent one can learn both. 2,000 / 250 / 250 sentences (17,456 / 2,264 /
2,118 tokens with <eos>), 42 words + <eos>.
"""

from __future__ import annotations

import numpy as np

from darts_lab.data.text import TextDataModule

NOUNS = ["cat", "dog", "bird", "girl", "boy", "king", "horse", "child"]
PLURAL = {"child": "children"}
VERBS = ["run", "see", "like", "chase", "find", "know", "hear", "help"]
TRANSITIVE = {"see", "like", "chase", "find", "know", "hear", "help"}
ADJECTIVES = ["old", "small", "red", "happy", "quiet", "tall"]
SIZES = {"train": 2000, "valid": 250, "test": 250}
SEEDS = {"train": 0, "valid": 1, "test": 2}


def noun_phrase(rng: np.random.Generator, plural: bool, depth: int) -> list[str]:
    noun = NOUNS[rng.integers(len(NOUNS))]
    words = ["the"]
    if rng.random() < 0.3:
        words.append(ADJECTIVES[rng.integers(len(ADJECTIVES))])
    words.append(PLURAL.get(noun, noun + "s") if plural else noun)
    if depth < 1 and rng.random() < 0.35:  # a relative clause with a subject of its own
        words += ["that", *noun_phrase(rng, bool(rng.random() < 0.5), depth + 1)]
        words += verb_phrase(rng, bool(words[-1].endswith("s") or words[-1] == "children"), 1)
    return words


def verb_phrase(rng: np.random.Generator, plural: bool, depth: int) -> list[str]:
    verb = VERBS[rng.integers(len(VERBS))]
    words = [verb if plural else verb + "s"]
    if verb in TRANSITIVE and depth < 1 and rng.random() < 0.5:
        words += noun_phrase(rng, bool(rng.random() < 0.5), depth + 1)
    return words


def sentence(rng: np.random.Generator) -> str:
    plural = bool(rng.random() < 0.5)
    words = noun_phrase(rng, plural, 0) + verb_phrase(rng, plural, 0)
    depth = int(rng.choice(4, p=[0.4, 0.3, 0.2, 0.1]))
    return " ".join(["("] * depth + words + [")"] * depth)


def generate(split: str) -> list[str]:
    rng = np.random.default_rng(SEEDS[split])
    return [sentence(rng) for _ in range(SIZES[split])]


class TinyCorpusDataModule(TextDataModule):
    def lines(self) -> dict[str, list[str]]:
        return {split: generate(split) for split in SIZES}
