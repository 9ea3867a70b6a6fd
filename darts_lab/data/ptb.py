"""Penn TreeBank as DARTS reads it: Mikolov's pre-processed `ptb.train.txt`, `ptb.valid.txt` and
`ptb.test.txt` (10k words, `<unk>` already in the text) under `${data_dir}/ptb` or `data_dir`
itself. Never downloaded here."""

from __future__ import annotations

from darts_lab.data.errors import DataError
from darts_lab.data.text import TextDataModule, read_lines

FILES = {"train": "ptb.train.txt", "valid": "ptb.valid.txt", "test": "ptb.test.txt"}


class PtbDataModule(TextDataModule):
    def folder(self):
        nested = self.data_dir / "ptb"
        return nested if (nested / FILES["train"]).is_file() else self.data_dir

    def check(self) -> None:
        folder = self.folder()
        bad = [
            name
            for name in FILES.values()
            if not (folder / name).is_file() or (folder / name).stat().st_size == 0
        ]
        if bad:
            raise DataError(
                f"Penn TreeBank: {', '.join(bad)} missing or empty in {folder} (put Mikolov's "
                f"pre-processed {', '.join(FILES.values())} there, e.g. from the simple-examples "
                f"archive's data/ folder; data_dir={self.data_dir})"
            )

    def lines(self) -> dict[str, list[str]]:
        self.check()
        return {split: read_lines(self.folder() / name) for split, name in FILES.items()}
