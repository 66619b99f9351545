"""The audit trail in Chromium: a coordinator reads the activation's trail (a
decision, a verdict, an export, the view of a case page made in this very
browser), filters it by action and downloads it as CSV (saved as
var/screenshots/audit-trail*.png to be looked at)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import ActivationMember
from audit.models import AuditEvent
from monitoring import triage
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_item, make_member
from tests.verification.cases_support import open_case, proposed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def test_audit_trail_page(page, screenshot):
    # given an activation where people decided, proposed a verdict and exported
    activation = ActivationFactory(slug="crue-lez", title="Crue du Lez")
    coordinator = make_member(activation, Role.COORDINATOR, username="coord").user
    volunteer = make_member(activation, Role.VOLUNTEER, username="veilleur").user
    make_item(activation)
    cluster = triage.item_claim_next(activation=activation, user=volunteer)
    triage.item_decide(
        activation=activation,
        cluster_id=cluster.pk,
        user=volunteer,
        token=cluster.claim_token,
        kind="relevant",
        category="infrastructure",
    )
    case = proposed(open_case(activation, volunteer), volunteer)
    log_in(page, coordinator.username)
    # the coordinator looks at the case: that view is recorded too
    page.goto(reverse("verification:case-detail", args=[activation.slug, case.number]))
    # when they open the audit trail
    page.goto(reverse("audit:activation-audit", args=[activation.slug]))
    # then every event is listed, newest first, with who, what and on which object
    rows = page.locator("table.audit-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("coord")
    expect(rows.nth(0)).to_contain_text(f"verification.case:{case.pk}")
    expect(rows.nth(2)).to_contain_text("veilleur")
    expect(rows.nth(2)).to_contain_text(f"monitoring.cluster:{cluster.pk}")
    expect(rows.nth(0).locator(".audit-origin")).to_contain_text("127.0.0.1")
    page.wait_for_timeout(200)
    screenshot("audit-trail")
    # filtering by action narrows the list
    page.locator("#id_action").select_option("verdict")
    page.locator(".audit-filters button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("veilleur")
    expect(rows.nth(0)).to_contain_text("proposed=verified")
    screenshot("audit-trail-filtered")
    # the CSV download carries the filter and is itself recorded as an export
    with page.expect_download() as info:
        page.locator(".audit-head a[download]").click()
    lines = info.value.path().read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert "proposed=verified" in lines[1]
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.EXPORT,
            actor=coordinator,
            object_type="audit.trail",
        ).count()
        == 1
    )
    # the team's page gathers the trails of its activations, with their slugs
    page.goto(reverse("audit:team-audit", args=[activation.lead_team_id]))
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("crue-lez")
    expect(rows.nth(0)).to_contain_text("audit.trail:crue-lez")
    screenshot("audit-trail-team")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("audit:activation-audit", args=[activation.slug]))
    screenshot("audit-trail-mobile")
