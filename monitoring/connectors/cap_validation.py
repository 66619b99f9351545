"""Is this CAP alert usable? A built-in structural check (required elements and the
CAP enumerations), and the official OASIS CAP 1.2 XSD when VOST_CAP_SCHEMA_PATH names
it (third-party data: read from where it is, never shipped)."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from lxml import etree

from vost.env import env_str

SCHEMA_ENV = "VOST_CAP_SCHEMA_PATH"
CAP_NAMESPACES = {
    "urn:oasis:names:tc:emergency:cap:1.2": "1.2",
    "urn:oasis:names:tc:emergency:cap:1.1": "1.1",
    "http://www.incident.com/cap/1.0": "1.0",
}
CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"
DSIG = "http://www.w3.org/2000/09/xmldsig#"

STATUS = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPE = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPE = ("Public", "Restricted", "Private")
CATEGORY = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
RESPONSE_TYPE = (
    "Shelter",
    "Evacuate",
    "Prepare",
    "Execute",
    "Avoid",
    "Monitor",
    "Assess",
    "AllClear",
    "None",
)
URGENCY = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITY = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTY = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
CERTAINTY_OLD = (*CERTAINTY, "Very Likely")  # CAP 1.0/1.1 (deprecated in 1.1)

MAX_PROBLEMS_SHOWN = 3


class AlertRejected(Exception):
    """The alert cannot be used; the message is the recorded reason."""


def is_alert(element: Any) -> bool:
    if not isinstance(element.tag, str):
        return False  # comments, processing instructions
    name = etree.QName(element)
    return name.localname == "alert" and name.namespace in CAP_NAMESPACES


class CapElements:
    """Element access in the alert's own CAP namespace (1.0, 1.1 or 1.2)."""

    def __init__(self, alert: Any) -> None:
        self.ns = etree.QName(alert).namespace or ""
        self.version = CAP_NAMESPACES.get(self.ns, "?")

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def all(self, element: Any, name: str) -> list[Any]:
        return list(element.findall(self.q(name)))

    def text(self, element: Any, name: str) -> str:
        found = element.find(self.q(name))
        return (found.text or "").strip() if found is not None else ""

    def texts(self, element: Any, name: str) -> list[str]:
        return [(e.text or "").strip() for e in element.findall(self.q(name))]


# --- validation --------------------------------------------------------------------
def structural_problems(alert: Any) -> list[str]:
    """What makes the alert unusable per CAP (required elements, enumerations), in order."""
    cap = CapElements(alert)
    problems: list[str] = []
    for name in ("identifier", "sender", "sent", "status", "msgType", "scope"):
        if not cap.text(alert, name):
            problems.append(f"missing <{name}>")
    for name in ("identifier", "sender"):
        value = cap.text(alert, name)
        if value and re.search(r"[\s,<&]", value):
            problems.append(f"<{name}> contains spaces, commas, < or &")
    sent = cap.text(alert, "sent")
    if sent and parse_cap_time(sent) is None:
        problems.append(f"<sent> {sent[:40]!r} is not a date-time with a time zone")
    _enum(problems, "<status>", cap.text(alert, "status"), STATUS)
    _enum(problems, "<msgType>", cap.text(alert, "msgType"), MSG_TYPE)
    scope = cap.text(alert, "scope")
    _enum(problems, "<scope>", scope, SCOPE)
    if scope == "Restricted" and not cap.text(alert, "restriction"):
        problems.append("scope Restricted without <restriction>")
    if scope == "Private" and not cap.text(alert, "addresses"):
        problems.append("scope Private without <addresses>")
    if alert.find(cap.q("references")) is not None:
        tokens = cap.text(alert, "references").split()
        if not tokens:
            problems.append("empty <references>")
        bad = [t for t in tokens if len(t.split(",")) != 3 or not all(t.split(","))]
        if bad:
            problems.append(f"<references> entry {bad[0][:60]!r} is not sender,id,sent")
    certainties = CERTAINTY if cap.version == "1.2" else CERTAINTY_OLD
    for number, info in enumerate(cap.all(alert, "info"), start=1):
        where = f"info {number}:"
        categories = cap.texts(info, "category")
        if not categories:
            problems.append(f"{where} missing <category>")
        for value in categories:
            _enum(problems, f"{where} <category>", value, CATEGORY)
        if not cap.text(info, "event"):
            problems.append(f"{where} missing <event>")
        for value in cap.texts(info, "responseType"):
            _enum(problems, f"{where} <responseType>", value, RESPONSE_TYPE)
        for name, allowed in (
            ("urgency", URGENCY),
            ("severity", SEVERITY),
            ("certainty", certainties),
        ):
            if info.find(cap.q(name)) is None:
                problems.append(f"{where} missing <{name}>")
            else:
                _enum(problems, f"{where} <{name}>", cap.text(info, name), allowed)
        for name in ("effective", "onset", "expires"):
            value = cap.text(info, name)
            if value and parse_cap_time(value) is None:
                problems.append(f"{where} <{name}> {value[:40]!r} is not a date-time")
        for area in cap.all(info, "area"):
            if not cap.text(area, "areaDesc"):
                problems.append(f"{where} <area> without <areaDesc>")
                break
    return problems


def _enum(problems: list[str], what: str, value: str, allowed: Sequence[str]) -> None:
    if value and value not in allowed:
        problems.append(f"{what} {value[:40]!r} is not one of {'|'.join(allowed)}")
    elif not value and what.startswith("info"):
        problems.append(f"{what} is empty")


def parse_cap_time(value: str) -> dt.datetime | None:
    """A CAP date-time (offset required) as aware UTC, or None."""
    if not value or len(value) > 40:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"  # not CAP 1.2, but unambiguous
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        return None


@functools.lru_cache(maxsize=4)
def _load_schema(path: str) -> Any:
    import xmlschema

    # allow="local": the XSD and its includes are read from disk, never fetched.
    return xmlschema.XMLSchema(path, allow="local", defuse="always")


def cap_schema() -> Any | None:
    """The CAP 1.2 XSD named by VOST_CAP_SCHEMA_PATH (None when unset); a path that
    does not hold it fails loudly."""
    path = env_str(SCHEMA_ENV)
    if path is None:
        return None
    try:
        schema = _load_schema(path)
    except Exception as exc:  # xmlschema raises many types; any of them is fatal here
        raise ImproperlyConfigured(
            f"{SCHEMA_ENV}={path}: cannot load the CAP 1.2 schema "
            f"({type(exc).__name__}: {str(exc)[:200]})"
        ) from exc
    if schema.target_namespace != CAP12:
        raise ImproperlyConfigured(f"{SCHEMA_ENV}={path} is not the CAP 1.2 schema")
    return schema


def schema_check(alert: Any, version: str) -> str:
    schema = cap_schema()
    if schema is None:
        return f"structural check only ({SCHEMA_ENV} not set)"
    if version != "1.2":
        return f"structural check only (CAP {version}; the schema is CAP 1.2)"
    # The signature is not verified, so its own schema is not our business either
    # (real signed alerts carry Id values xmldsig's schema refuses).
    unsigned = copy.deepcopy(alert)
    for signature in unsigned.findall(f"{{{DSIG}}}Signature"):
        unsigned.remove(signature)
    try:
        errors = []
        for error in schema.iter_errors(unsigned):
            errors.append(error)
            if len(errors) >= MAX_PROBLEMS_SHOWN:
                break
    except Exception as exc:  # a validator crash is a refusal, never a pass
        raise AlertRejected(
            f"schema validation failed: {type(exc).__name__}: {str(exc)[:150]}"
        ) from None
    if errors:
        reasons = "; ".join(_schema_reason(e) for e in errors)
        raise AlertRejected(f"does not match the CAP 1.2 schema: {reasons}")
    return "valid (CAP 1.2 schema)"


def _schema_reason(error: Any) -> str:
    reason = str(getattr(error, "reason", "") or error).replace("\n", " ")
    path = getattr(error, "path", "") or ""
    where = path.rsplit("/", 1)[-1] if path else ""
    return (f"{where}: {reason}" if where else reason)[:150]
