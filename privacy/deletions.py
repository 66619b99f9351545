"""Deletion notices as the platforms send them, turned into `Deletion`s.

- Mastodon streaming API: event ``delete`` whose payload is the instance's local
  status id, as Server-Sent Events (``event: delete`` / ``data: 1234``) or as a
  WebSocket message (``{"event": "delete", "payload": "1234"}``);
- Bluesky Jetstream: a commit with ``operation: delete`` on the collection
  ``app.bsky.feed.post`` (our key is the at:// URI: did + collection + rkey);
- X compliance: batch-compliance results and the compliance stream, JSON lines
  ``{"id": "...", "action": "delete", "reason": "deleted|protected|..."}``.

Anything else (other events, other collections, malformed input) is ignored with
a log line; nothing here touches the database.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from privacy.services.erasure import Deletion

logger = logging.getLogger(__name__)

_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_DID = re.compile(r"^did:[a-z]+:[A-Za-z0-9._:%-]{1,200}$")
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
POST_COLLECTION = "app.bsky.feed.post"
# X compliance actions that mean "remove it" (X developer policy).
X_GONE_ACTIONS = frozenset({"delete", "scrub_geo", "deactivate", "suspend", "protect"})


def mastodon_message(message: Any, *, host: str) -> Deletion | None:
    """A streaming WebSocket message (a dict or its JSON text)."""
    if isinstance(message, str | bytes):
        try:
            message = json.loads(message)
        except ValueError:
            logger.warning("Mastodon stream: unreadable message ignored")
            return None
    if not isinstance(message, dict) or message.get("event") != "delete":
        return None
    payload = message.get("payload")
    if not isinstance(payload, str | int) or not _ID.match(str(payload)):
        logger.warning("Mastodon stream: delete event without a valid id ignored")
        return None
    return Deletion(platform="mastodon", local_id=str(payload), host=host.lower())


def mastodon_sse(lines: Iterable[str], *, host: str) -> Iterator[Deletion]:
    """Server-Sent Events of a Mastodon stream, one text line at a time."""
    event, data = "", list[str]()
    for line in lines:
        line = line.rstrip("\r\n")
        if not line:  # end of an event
            if event == "delete" and data:
                found = mastodon_message(
                    {"event": "delete", "payload": "\n".join(data).strip()}, host=host
                )
                if found is not None:
                    yield found
            event, data = "", list[str]()
        elif line.startswith(":"):
            continue  # a comment: the server's heartbeat
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


def bluesky_jetstream(message: Any) -> Deletion | None:
    """A Jetstream event (a dict or its JSON text)."""
    if isinstance(message, str | bytes):
        try:
            message = json.loads(message)
        except ValueError:
            logger.warning("Jetstream: unreadable message ignored")
            return None
    if not isinstance(message, dict) or message.get("kind") != "commit":
        return None
    commit = message.get("commit")
    if not isinstance(commit, dict) or commit.get("operation") != "delete":
        return None
    if commit.get("collection") != POST_COLLECTION:
        return None
    did, rkey = message.get("did"), commit.get("rkey")
    if not (
        isinstance(did, str)
        and _DID.match(did)
        and isinstance(rkey, str)
        and _RKEY.match(rkey)
    ):
        logger.warning("Jetstream: delete without a valid did or rkey ignored")
        return None
    return Deletion(
        platform="bluesky", external_id=f"at://{did}/{POST_COLLECTION}/{rkey}"
    )


def x_compliance(lines: Iterable[str | bytes]) -> Iterator[Deletion]:
    """X compliance results, one JSON object a line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            logger.warning("X compliance line %s unreadable, ignored", number)
            continue
        if not isinstance(record, dict):
            continue
        tweet_id, action = record.get("id"), record.get("action")
        if not (isinstance(tweet_id, str) and tweet_id.isdigit()):
            logger.warning("X compliance line %s has no valid id, ignored", number)
            continue
        if action in X_GONE_ACTIONS:
            yield Deletion(platform="x", external_id=tweet_id)
