"""The platform clients against the fake platforms: what they send, what they read."""

import pytest

from relay.publishers import (
    BlueskyPublisher,
    MastodonPublisher,
    OutboxPublisher,
    PermanentPublishError,
    TransientPublishError,
    XPublisher,
    link_facets,
    new_tid,
    publisher_for,
)

TEXT = "Évacuation : gymnase Jean-Moulin https://www.herault.gouv.fr/a #Crue34"


def test_mastodon_posts_a_public_status_with_the_idempotency_key(fake):
    publisher = publisher_for("mastodon")
    assert isinstance(publisher, MastodonPublisher)
    result = publisher.publish(text=TEXT, key="3kabc", language="fr")
    (sent,) = fake.writes()
    assert sent.path == "/api/v1/statuses"
    assert sent.headers["Authorization"] == "Bearer masto-token"
    assert sent.headers["Idempotency-Key"] == "3kabc"
    assert sent.body == {"status": TEXT, "language": "fr", "visibility": "public"}
    assert result.url == fake.statuses["3kabc"]["url"]


def test_bluesky_signs_in_then_creates_the_record_with_our_key_and_link_facets(fake):
    publisher = publisher_for("bluesky")
    assert isinstance(publisher, BlueskyPublisher)
    key = new_tid()
    result = publisher.publish(text=TEXT, key=key, language="fr")
    session, record = fake.requests
    assert session.path == "/xrpc/com.atproto.server.createSession"
    assert session.body == {
        "identifier": "vost34.bsky.social",
        "password": "app-pass-1234",
    }
    assert record.headers["Authorization"] == "Bearer jwt-access"
    assert record.body["repo"] == "did:plc:vostfake"
    assert record.body["collection"] == "app.bsky.feed.post"
    assert record.body["rkey"] == key
    value = record.body["record"]
    assert value["text"] == TEXT
    assert value["langs"] == ["fr"]
    assert value["createdAt"].endswith("Z")
    link = value["facets"][0]
    start, end = link["index"]["byteStart"], link["index"]["byteEnd"]
    assert TEXT.encode()[start:end] == b"https://www.herault.gouv.fr/a"
    assert result.url == f"https://bsky.app/profile/vost34.bsky.social/post/{key}"
    assert result.external_id == f"at://did:plc:vostfake/app.bsky.feed.post/{key}"
    # a retry finds it
    assert publisher.find_existing(key=key) == result
    assert publisher.find_existing(key=new_tid()) is None


def test_x_posts_the_text_with_the_user_token(fake):
    publisher = publisher_for("x")
    assert isinstance(publisher, XPublisher)
    result = publisher.publish(text=TEXT, key="ignored", language="fr")
    (sent,) = fake.writes()
    assert sent.path == "/2/tweets"
    assert sent.headers["Authorization"] == "Bearer x-user-token"
    assert sent.body == {"text": TEXT}
    assert result.url == f"https://x.com/i/web/status/{fake.tweets[0]['id']}"
    with pytest.raises(PermanentPublishError) as refused:
        publisher.publish(text=TEXT, key="ignored", language="fr")
    assert refused.value.duplicate
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("plan", "error", "message"),
    [
        ("500", TransientPublishError, "Mastodon: HTTP 503"),
        ("drop", TransientPublishError, "Mastodon: connection failed"),
        ("422", PermanentPublishError, "Mastodon: HTTP 422 (Validation failed"),
    ],
)
def test_failures_are_transient_or_permanent(fake, plan, error, message):
    fake.plan = [plan]
    with pytest.raises(error, match=message.replace("(", r"\(")):
        publisher_for("mastodon").publish(text="x", key="k", language="fr")


def test_a_wrong_app_password_is_a_clear_refusal(fake, settings):
    settings.VOST_RELAY_BLUESKY_APP_PASSWORD = "wrong"
    with pytest.raises(PermanentPublishError, match="Bluesky \\(sign-in\\): HTTP 401"):
        publisher_for("bluesky").publish(text="x", key=new_tid(), language="fr")


def test_without_credentials_each_channel_is_an_outbox():
    for channel in ("x", "mastodon", "bluesky"):
        publisher = publisher_for(channel)
        assert isinstance(publisher, OutboxPublisher)
        assert publisher.manual


def test_tids_are_13_base32_sortable_characters():
    first, second = new_tid(), new_tid()
    assert len(first) == len(second) == 13
    assert set(first + second) <= set("234567abcdefghijklmnopqrstuvwxyz")
    assert first != second


def test_link_facets_count_bytes():
    (facet,) = link_facets("é https://a.fr/x.")
    assert facet["index"] == {"byteStart": 3, "byteEnd": 17}
    assert facet["features"][0]["uri"] == "https://a.fr/x"
