"""OpenAPI description of the API token authentication (drf-spectacular)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "vost.authentication.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token (account menu, API tokens), sent as "
                "`Authorization: Bearer <key>`. Its scopes decide what it may do: "
                "read (GET), write (POST, PATCH, DELETE), export (files and "
                "downloads), ogc (OGC API Features)."
            ),
        }
