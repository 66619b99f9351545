"""One module per platform; `connector_for` picks the right one for a source."""

from __future__ import annotations

from monitoring.connectors.base import Connector, SourceConfigError
from monitoring.models import Source

REGISTRY: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    """Class decorator: make a connector available for its platform."""
    REGISTRY[cls.platform] = cls
    return cls


def connector_for(*, source: Source, credentials: str | None) -> Connector:
    _load()
    try:
        cls = REGISTRY[source.platform]
    except KeyError:
        raise SourceConfigError(
            f"no connector for platform {source.platform!r}"
        ) from None
    return cls(params=dict(source.params), credentials=credentials)


def _load() -> None:
    """Import the platform modules (each registers itself)."""
    import importlib

    for name in ("x", "mastodon", "bluesky", "rss", "cap"):
        try:
            importlib.import_module(f"monitoring.connectors.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"monitoring.connectors.{name}":
                raise
