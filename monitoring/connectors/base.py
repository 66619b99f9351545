"""The connector interface: every platform module implements `Connector`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from monitoring.pipeline.types import FetchResult


class SourceConfigError(Exception):
    """The source's parameters or credentials are wrong: a person must fix them (no retry)."""


class SourceTemporarilyUnavailable(Exception):
    """Rate limit, 5xx, timeout: try again later. `retry_after` in seconds when known."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Connector(ABC):
    """Fetch one page of new posts for a source, from its cursor.

    Implementations never write to the database: they return a FetchResult whose
    cursor the pipeline stores only once the batch has landed (at-least-once).
    """

    platform: ClassVar[str]

    def __init__(self, *, params: dict[str, Any], credentials: str | None) -> None:
        self.params = params
        self.credentials = credentials
        self.validate()

    def validate(self) -> None:  # noqa: B027 (an optional hook, not abstract)
        """Raise SourceConfigError when params or credentials cannot work."""

    @abstractmethod
    def fetch(self, *, cursor: dict[str, Any]) -> FetchResult:
        """Return the next page after `cursor` (an empty page when nothing is new)."""
