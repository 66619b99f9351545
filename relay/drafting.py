"""Draft texts per channel from templates, within each platform's length limit."""

from __future__ import annotations

import re

from relay.models import CHANNEL_LIMITS, Channel

# The text of the relayed post, by language of the message. Placeholders:
# {text} the message, {url} its link, {authority} the authority's name,
# {hashtags} the channel's hashtags. Only {text} is shortened to fit.
TEMPLATES: dict[str, str] = {
    "fr": "[{authority}] {text} {url} {hashtags}",
    "en": "[{authority}] {text} {url} {hashtags}",
}
X_LINK_LENGTH = 23  # X counts every link as 23 characters (t.co)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]+")
ELLIPSIS = "\u2026"


def weighted_length(text: str, channel: str) -> int:
    """The length the platform counts: characters, and every link as 23 on X."""
    if channel != Channel.X:
        return len(text)
    length = len(text)
    for match in _URL.finditer(text):
        length += X_LINK_LENGTH - len(match.group(0))
    return length


def _fill(template: str, values: dict[str, str]) -> str:
    text = template.format_map(values)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def draft_text(
    *,
    channel: str,
    text: str,
    url: str,
    authority: str,
    hashtags: str,
    language: str,
) -> str:
    """The channel's draft: the template filled, the message shortened with an
    ellipsis when the whole would exceed the channel's limit."""
    template = TEMPLATES.get(language, TEMPLATES["en"])
    limit = CHANNEL_LIMITS[channel]
    values = {
        "text": " ".join(text.split()),
        "url": url,
        "authority": authority,
        "hashtags": hashtags.strip(),
    }
    full = _fill(template, values)
    if weighted_length(full, channel) <= limit:
        return full
    rest = weighted_length(_fill(template, values | {"text": ""}), channel) + 1
    room = max(limit - rest - 1, 0)
    values["text"] = values["text"][:room].rstrip() + ELLIPSIS if room else ""
    return _fill(template, values)
