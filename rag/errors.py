"""The project's declared errors: each message says what went wrong and how to fix it."""

from __future__ import annotations


class RagError(Exception):
    """Base class: anything the CLI or the app reports to the user as a plain message."""


class BulletinError(RagError):
    """A bulletin file that cannot be read or holds no article; names the file."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class IndexMissingError(RagError):
    pass


class IndexMismatchError(RagError):
    pass


class IndexBusyError(RagError):
    pass


class IndexDamagedError(RagError):
    """A file of an index version is missing, truncated or not what its manifest says; names the
    file (`file`) and says to run `python -m rag repair`."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(message)
        self.file = file


class QueryError(RagError):
    pass


class CitationNotFoundError(RagError):
    pass


class IndexWriteError(RagError):
    """A new index version could not be written (a full disk, a read-only folder); the previous
    version is untouched and still answers."""
