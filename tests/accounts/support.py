"""Helpers for the tests about accounts (not a test module)."""

from __future__ import annotations

ALL_SCOPES = ["read", "write", "ogc", "export"]
