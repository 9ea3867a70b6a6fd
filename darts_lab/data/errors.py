"""The one error a dataset raises for missing or unreadable files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class DataError(RuntimeError):
    """A dataset is missing or unreadable; the message says where and how to get it."""


@contextmanager
def readable(what: str) -> Iterator[None]:
    """Reading `what`: a file or folder the OS will not let us read (permissions, a folder
    where a file belongs) is a DataError naming it, not a traceback."""
    try:
        yield
    except (PermissionError, IsADirectoryError, NotADirectoryError) as e:
        raise DataError(
            f"{what}: cannot read {e.filename or 'its files'} ({e.strerror}); check the "
            f"permissions and layout under data_dir"
        ) from None
