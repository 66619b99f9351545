"""Text cleaning shared by connectors and the pipeline. Posts are untrusted: the result is
plain text (no markup survives), to be escaped at render time like any other string."""

from __future__ import annotations

import re
import unicodedata

from lxml import html as lxml_html
from lxml.etree import ParserError

from monitoring.pipeline.types import MAX_TEXT_CHARS

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@[\w.\-]+(?:@[\w.\-]+)?")
_REPOST_PREFIX = re.compile(r"^\s*(?:rt|rp|mt)\s*@[\w.\-]+:?\s*", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w#]+", re.UNICODE)


def clean_text(text: str) -> str:
    """Strip control and bidi characters, normalise spaces, bound the length."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()[:MAX_TEXT_CHARS]


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment (Mastodon content, feed summaries): tags dropped,
    scripts and styles removed with their content, paragraphs and <br> kept as newlines."""
    if not markup or "<" not in markup:
        return clean_text(markup or "")
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (ParserError, ValueError):
        return clean_text(re.sub(r"<[^>]*>", " ", markup))
    for bad in root.xpath(".//script|.//style|.//template|.//noscript"):
        bad.drop_tree()
    for br in root.xpath(".//br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.xpath(".//p|.//div|.//li|.//h1|.//h2|.//h3|.//blockquote"):
        block.tail = "\n" + (block.tail or "")
    return clean_text(root.text_content())


def dedupe_text(text: str) -> str:
    """The text as near-duplicate detection sees it: no URLs, mentions or repost prefix,
    lower case, accents and punctuation folded."""
    text = _REPOST_PREFIX.sub("", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower case without accents, hyphens and apostrophes as spaces (for place names, lexicons)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s\-'\u2019]+", " ", text).strip()
