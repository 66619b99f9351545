"""Domain errors: services raise these; views and the API map them to 4xx answers."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the operation; ``message`` is safe to show."""

    code = "domain_error"
    status_code = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ConflictError(DomainError):
    """Somebody else changed the object first (stale version, double submission)."""

    code = "conflict"
    status_code = 409
