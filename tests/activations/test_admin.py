"""Every model of the Organisation core has a working admin (maps included)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import (
    ActivationFactory,
    LogEntryFactory,
    ShiftAssignmentFactory,
    UserFactory,
    VolunteerProfileFactory,
    make_member,
)

MODELS = list(apps.get_app_config("activations").get_models())


def test_every_model_is_registered():
    missing = [
        m.__name__
        for m in MODELS
        if m not in admin.site._registry
        and m.__name__ not in {"VolunteerLanguage", "Contact", "ShiftAssignment"}
    ]  # inlines
    assert missing == []


@pytest.mark.parametrize(
    "model", [m for m in MODELS if m in admin.site._registry], ids=lambda m: m.__name__
)
def test_changelist_add_and_change_pages_render(client, db, model):
    # given some data and a superuser
    make_member(ActivationFactory(), "volunteer")
    ShiftAssignmentFactory()
    LogEntryFactory()
    VolunteerProfileFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    meta = model._meta
    # when / then
    assert (
        client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        ).status_code
        == 200
    )
    obj = model.objects.first()
    change = client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    )
    assert change.status_code == 200
    if meta.model_name in {"agreement", "activation"}:
        assert b"leaflet" in change.content.lower()


def test_log_entries_cannot_be_changed_or_deleted_from_the_admin(client, db):
    entry = LogEntryFactory(text="Immuable")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:activations_logentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.text == "Immuable"


def test_non_staff_users_are_kept_out_of_the_admin(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:activations_activation_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
