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
    params = dict(source.params)
    # Official alerts come in several languages: prefer the activation's.
    if source.platform == "cap" and not params.get("languages"):
        params["languages"] = list(source.activation.languages) or ["fr", "en"]
    return cls(params=params, credentials=credentials)


def _load() -> None:
    """Import the platform modules (each registers itself)."""
    import importlib

    for name in ("x", "mastodon", "bluesky", "rss", "cap", "replay"):
        try:
            importlib.import_module(f"monitoring.connectors.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"monitoring.connectors.{name}":
                raise
