"""The OpenAPI schema documents every endpoint of the activations API, without warnings."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from activations.api.urls import urlpatterns as activation_api_urls

pytestmark = pytest.mark.django_db


def _openapi_path(pattern: URLPattern) -> str:
    route = str(pattern.pattern)
    for converter in ("int:", "slug:"):
        route = route.replace(f"<{converter}", "{")
    return "/api/v1/" + route.replace(">", "}")


def test_every_activations_api_path_is_in_the_schema(client, user):
    # given
    client.force_login(user)
    # when
    document = client.get(
        reverse("api-schema"), headers={"Accept": "application/vnd.oai.openapi+json"}
    ).json()
    # then
    ours = {_openapi_path(p) for p in activation_api_urls}
    assert len(ours) == 22
    assert ours <= set(document["paths"])
    operation_ids = [
        operation["operationId"]
        for path in ours
        for method, operation in document["paths"][path].items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]
    assert len(operation_ids) == len(set(operation_ids)) == 34
    assert "PaginatedLogEntryList" in document["components"]["schemas"]


def test_our_url_names_are_prefixed_and_resolve_without_namespace():
    names = [p.name for p in activation_api_urls]
    assert all(name.startswith("api-") for name in names)
    resolver = get_resolver()
    assert not any(
        isinstance(e, URLResolver) and e.namespace == "api"
        for e in resolver.url_patterns
    )
    assert reverse("api-activation-list") == "/api/v1/activations/"


def test_schema_generation_has_no_warnings(tmp_path: Path):
    # --fail-on-warn turns any drf-spectacular warning into an error
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")
