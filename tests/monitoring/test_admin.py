"""The monitoring admin: sources editable, ingested evidence read-only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from monitoring.models import Post, Source
from monitoring.pipeline.types import RawPost
from monitoring.services import posts_ingest
from tests.factories import ActivationFactory, UserFactory

MODELS = [
    m
    for m in apps.get_app_config("monitoring").get_models()
    if m in admin.site._registry
]


@pytest.fixture
def data(db):
    activation = ActivationFactory()
    Source.objects.create(
        activation=activation,
        platform="rss",
        name="Préfecture",
        params={"url": "https://example.org/rss"},
    )
    posts_ingest(
        activation=activation,
        posts=[
            RawPost(
                platform="x",
                external_id="1",
                text="Route coupée à Lattes",
                posted_at=timezone.now(),
            ),
            RawPost(
                platform="x",
                external_id="",
                text="sans identifiant",
                posted_at=timezone.now(),
            ),
        ],
    )
    return activation


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelists_render_for_superusers(client, data, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    meta = model._meta
    assert (
        client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        ).status_code
        == 200
    )


def test_posts_cannot_be_edited_in_the_admin(client, data):
    post = Post.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:monitoring_post_change", args=[post.pk]), {"text": "forged"}
    )
    post.refresh_from_db()
    assert response.status_code == 403
    assert post.text == "Route coupée à Lattes"


def test_a_secret_echoed_in_an_error_is_never_stored(data, monkeypatch):
    from activations.models import LogEntry
    from monitoring.services import source_record_failure

    monkeypatch.setenv("FAKE_FEED_TOKEN", "s3cr3t-token-value-123")
    source = Source.objects.get()
    source.credentials_env = "FAKE_FEED_TOKEN"
    source.save()
    source_record_failure(
        source=source, error="401 for token s3cr3t-token-value-123", permanent=True
    )
    source.refresh_from_db()
    assert "s3cr3t" not in source.last_error
    assert "s3cr3t" not in source.paused_reason
    assert not LogEntry.objects.filter(text__contains="s3cr3t").exists()
    assert "[redacted]" in source.last_error
