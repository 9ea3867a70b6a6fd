"""NAS-Bench-101's public data file (`nasbench_only108.tfrecord`, `nasbench_full.tfrecord`),
read without TensorFlow: the TFRecord framing by the `tfrecord` package (PyPI), each record a
JSON list [module hash, epochs, adjacency "0110…", ops "input,…,output", base64 ModelMetrics
protobuf]. Lookups go by NAS-Bench-101's isomorphism-invariant hash of the pruned cell, so a
cell matches its stored twin whatever its node order (google-research/nasbench `hash_module`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import defaultdict
from pathlib import Path

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from darts_lab.config import ConfigError

CANONICAL_OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")  # NB101's label order


def _metrics_class() -> type:
    """The ModelMetrics message of nasbench/lib/model_metrics.proto, built from its fields."""
    f = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="darts_lab_nb101_metrics.proto", package="nasbench", syntax="proto2"
    )
    evaluation = proto.message_type.add(name="EvaluationData")
    for number, name in enumerate(
        [
            "current_epoch",
            "training_time",
            "train_accuracy",
            "validation_accuracy",
            "test_accuracy",
        ],
        start=1,
    ):
        evaluation.field.add(name=name, number=number, type=f.TYPE_DOUBLE, label=f.LABEL_OPTIONAL)
    evaluation.field.add(
        name="checkpoint_path", number=6, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL
    )
    metrics = proto.message_type.add(name="ModelMetrics")
    metrics.field.add(
        name="evaluation_data",
        number=1,
        type=f.TYPE_MESSAGE,
        type_name=".nasbench.EvaluationData",
        label=f.LABEL_REPEATED,
    )
    metrics.field.add(
        name="trainable_parameters", number=2, type=f.TYPE_INT32, label=f.LABEL_OPTIONAL
    )
    metrics.field.add(name="total_time", number=3, type=f.TYPE_DOUBLE, label=f.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("nasbench.ModelMetrics"))


ModelMetrics = _metrics_class()


def prune(matrix: list[list[int]], ops: list[str]) -> tuple[list[list[int]], list[str]] | None:
    """NAS-Bench-101's pruning: keep the vertices on a path input → output; None if there is
    no such path."""
    n = len(matrix)

    def reach(start: int, forward: bool) -> set[int]:
        seen, frontier = {start}, [start]
        while frontier:
            v = frontier.pop()
            for w in range(n):
                if (matrix[v][w] if forward else matrix[w][v]) and w not in seen:
                    seen.add(w)
                    frontier.append(w)
        return seen

    keep = sorted(reach(0, True) & reach(n - 1, False))
    if 0 not in keep or n - 1 not in keep:
        return None
    return [[matrix[a][b] for b in keep] for a in keep], [ops[v] for v in keep]


def cell_hash(matrix: list[list[int]], ops: list[str]) -> str:
    """NAS-Bench-101's graph hash of a pruned cell: each vertex starts from md5(out-degree,
    in-degree, label) and is re-hashed |V| times with its sorted in- and out-neighbours."""
    n = len(matrix)
    labels = [-1] + [CANONICAL_OPS.index(op) for op in ops[1:-1]] + [-2]
    ins = [sum(matrix[a][v] for a in range(n)) for v in range(n)]
    outs = [sum(matrix[v]) for v in range(n)]
    hashes = [hashlib.md5(str((outs[v], ins[v], labels[v])).encode()).hexdigest() for v in range(n)]
    for _ in range(n):
        hashes = [
            hashlib.md5(
                (
                    "".join(sorted(hashes[w] for w in range(n) if matrix[w][v]))
                    + "|"
                    + "".join(sorted(hashes[w] for w in range(n) if matrix[v][w]))
                    + "|"
                    + hashes[v]
                ).encode()
            ).hexdigest()
            for v in range(n)
        ]
    return hashlib.md5(str(sorted(hashes)).encode()).hexdigest()


class Nb101File:
    """Final (end of training) accuracies per cell hash at one epoch budget, all repeats."""

    def __init__(self, path: str | Path, epochs: int = 108) -> None:
        try:
            from tfrecord.reader import tfrecord_iterator
        except ImportError:
            raise ConfigError(
                "oracle=nb101 reads NAS-Bench-101's .tfrecord with the tfrecord package: "
                "pip install tfrecord"
            ) from None
        self.path, self.epochs = Path(path), epochs
        self.runs: dict[str, list[dict[str, float]]] = defaultdict(list)
        budgets = set()
        try:  # data only: TFRecord framing, JSON, base64 and a protobuf message (no pickle)
            for record in tfrecord_iterator(str(self.path)):
                module_hash, budget, _, _, raw = json.loads(bytes(record).decode("utf-8"))
                budgets.add(budget)
                if budget != epochs:
                    continue
                final = ModelMetrics.FromString(base64.b64decode(raw)).evaluation_data[-1]
                self.runs[module_hash].append(
                    {"test": final.test_accuracy, "valid": final.validation_accuracy}
                )
        except Exception as e:  # any damage: truncated framing, foreign records, bad protobuf
            reason = (str(e).strip().splitlines() or [""])[0]
            raise ConfigError(
                f"oracle.data_file={str(path)!r} is not a readable NAS-Bench-101 .tfrecord "
                f"({type(e).__name__}: {reason})"
            ) from None
        if not self.runs:
            raise ConfigError(
                f"oracle.data_file={str(path)!r} holds no {epochs}-epoch results (its "
                f"budgets: {sorted(budgets) or 'none'}); set oracle.epochs"
            )

    def lookup(self, matrix: list[list[int]], ops: list[str]) -> dict[str, float] | None:
        """Mean final test and validation accuracy (fractions) over the repeats, or None."""
        pruned = prune(matrix, ops)
        runs = self.runs.get(cell_hash(*pruned)) if pruned else None
        if not runs:
            return None
        return {key: sum(r[key] for r in runs) / len(runs) for key in ("test", "valid")}
