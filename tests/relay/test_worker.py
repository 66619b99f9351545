"""Publishing through a real Celery worker (Redis broker, PostgreSQL): a double
click and a duplicated delivery of the task post once."""

import time

import pytest
from django.urls import reverse

from activations.models import ActivationMember
from relay import services, tasks
from relay.models import Channel, RelayTask
from tests.factories import ActivationFactory, make_member

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def _wait_until(check, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_a_double_click_and_a_redelivery_post_once(client, fake, celery_worker):
    # given an approved Mastodon draft
    activation = ActivationFactory()
    lead = make_member(activation, Role.TEAM_LEAD).user
    liaison = make_member(activation, Role.LIAISON).user
    services.relay_settings_save(
        activation=activation,
        by=lead,
        channels={c.value: (True, "") for c in Channel},
        handles=[],
    )
    message = services.official_message_create(
        activation=activation, by=lead, text="Coupure d'eau à Lattes jusqu'à 18 h."
    )
    task = message.tasks.get(channel="mastodon")
    services.relay_task_request_approval(task=task, by=lead)
    services.relay_task_approve(task=task, by=liaison)
    client.force_login(lead)
    url = reverse("relay:task-publish", args=[activation.slug, task.pk])
    # when the team lead clicks twice and the broker delivers the task once more
    first = client.post(url)
    second = client.post(url)
    tasks.publish_task.delay(task.pk)
    # then
    assert first.status_code == 302
    assert second.status_code == 409
    assert _wait_until(
        lambda: RelayTask.objects.get(pk=task.pk).status == RelayTask.Status.PUBLISHED
    )
    time.sleep(1.0)  # let the extra delivery run
    task.refresh_from_db()
    assert len(fake.writes()) == 1
    assert fake.posts_made == 1
    assert task.published_url == fake.statuses[task.idempotency_key]["url"]
    assert task.attempts == 1
