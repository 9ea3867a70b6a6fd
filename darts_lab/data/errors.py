"""The one error a dataset raises for missing or unreadable files."""


class DataError(RuntimeError):
    """A dataset is missing or unreadable; the message says where and how to get it."""
