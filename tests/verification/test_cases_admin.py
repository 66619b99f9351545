"""The admin shows cases with their evidence and history, read-only."""

import pytest
from django.urls import reverse

from activations.models import ActivationMember
from tests.factories import UserFactory, make_member
from tests.verification.cases_support import XSS, open_case, proposed

pytestmark = pytest.mark.django_db


def test_case_admin_pages_render_read_only(client, activation):
    # given a case with evidence and history, and hostile text in its claim
    volunteer = make_member(activation, ActivationMember.Role.VOLUNTEER).user
    case = proposed(open_case(activation, volunteer), volunteer)
    case.claim = XSS
    case.save()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    # when
    listing = client.get(reverse("admin:verification_case_changelist"))
    change = client.get(reverse("admin:verification_case_change", args=[case.pk]))
    add = client.get(reverse("admin:verification_case_add"))
    # then
    assert listing.status_code == 200
    assert change.status_code == 200
    html = change.content.decode()
    assert "La préfecture confirme la fermeture du pont." in html  # evidence inline
    assert "<script>alert" not in html
    assert 'name="claim"' not in html  # nothing editable
    assert add.status_code == 403
    assert (
        client.get(reverse("admin:verification_rumour_changelist")).status_code == 200
    )
