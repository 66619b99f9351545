"""mapping.sync: the map's read model follows triage decisions and verification cases."""

from __future__ import annotations

import logging

import pytest
from django.contrib.gis.geos import Point

from activations.models import ActivationMember
from mapping import sync
from mapping.models import MapItem, Verification
from monitoring import triage
from monitoring.models import Post, TriageDecision
from tests.factories import make_item, make_member
from tests.verification.cases_support import open_case, proposed
from verification.services import cases as case_services

Role = ActivationMember.Role
Kind = TriageDecision.Kind
pytestmark = pytest.mark.django_db


def _decide(activation, kind, *, on_commit, **item):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    cluster = make_item(activation, **item)
    with on_commit(execute=True):
        claimed = triage.item_claim_next(activation=activation, user=volunteer)
        assert claimed is not None
        assert claimed.pk == cluster.pk
        decision = triage.item_decide(
            activation=activation,
            cluster_id=cluster.pk,
            user=volunteer,
            token=claimed.claim_token,
            kind=kind,
            category="infrastructure",
        )
    return cluster, decision, volunteer


def test_a_relevant_located_item_goes_on_the_map(
    activation, django_capture_on_commit_callbacks
):
    # when
    cluster, _decision, _who = _decide(
        activation, Kind.RELEVANT, on_commit=django_capture_on_commit_callbacks
    )
    # then
    item = MapItem.objects.get(cluster=cluster)
    assert (item.location.x, item.location.y) == pytest.approx((3.88, 43.61))
    assert item.verification == Verification.UNCHECKED
    assert item.category == "infrastructure"
    assert item.summary == cluster.representative.text
    projected = item.location.transform(3857, clone=True)  # GDAL, independent
    assert (item.mx, item.my) == pytest.approx((projected.x, projected.y), abs=0.01)


def test_not_relevant_and_unlocated_items_stay_off_the_map(
    activation, django_capture_on_commit_callbacks
):
    # when
    _decide(activation, Kind.NOT_RELEVANT, on_commit=django_capture_on_commit_callbacks)
    _decide(
        activation,
        Kind.RELEVANT,
        on_commit=django_capture_on_commit_callbacks,
        location=None,
    )
    # then
    assert MapItem.objects.count() == 0


def test_undo_takes_the_item_off_the_map(
    activation, django_capture_on_commit_callbacks
):
    # given
    cluster, decision, volunteer = _decide(
        activation, Kind.URGENT, on_commit=django_capture_on_commit_callbacks
    )
    assert MapItem.objects.get(cluster=cluster).urgent
    # when
    with django_capture_on_commit_callbacks(execute=True):
        triage.decision_undo(
            activation=activation, decision_id=decision.pk, user=volunteer
        )
    # then
    assert not MapItem.objects.filter(cluster=cluster).exists()


def test_a_verified_case_marks_the_item_verified_at_the_case_location(
    activation, django_capture_on_commit_callbacks
):
    # given a case on an untriaged item, located by hand
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(activation, volunteer)
    item = MapItem.objects.get(cluster=case.cluster)
    assert item.verification == Verification.UNVERIFIED
    with django_capture_on_commit_callbacks(execute=True):
        case = case_services.case_locate(
            case=case,
            by=volunteer,
            point=Point(3.9, 43.6, srid=4326),
            radius_m=250,
            source="map",
            place_name="Lattes",
            version=case.version,
        )
        case = proposed(case, volunteer)
        # when the second reviewer confirms
        case_services.case_review(
            case=case, by=lead, approve=True, note="", version=case.version
        )
    # then
    item.refresh_from_db()
    assert item.verification == Verification.VERIFIED
    assert (item.location.x, item.location.y) == pytest.approx((3.9, 43.6))
    assert item.radius_m == 250
    assert item.place_name == "Lattes"
    assert item.case_id == case.pk


def test_bulk_decisions_go_on_the_map(activation, django_capture_on_commit_callbacks):
    # given
    lead = make_member(activation, Role.TEAM_LEAD).user
    items = [make_item(activation) for _ in range(3)]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        triage.items_bulk_decide(
            activation=activation,
            user=lead,
            cluster_ids=[c.pk for c in items],
            kind=Kind.RELEVANT,
            category="caution",
        )
    # then
    assert set(MapItem.objects.values_list("category", flat=True)) == {"caution"}
    assert MapItem.objects.count() == 3


def test_a_post_without_location_falls_back_to_a_located_copy(activation):
    # given an item whose representative has no location but a copy has one
    cluster = make_item(activation, copies=2, location=None)
    cluster.status, cluster.decision = "done", Kind.RELEVANT
    cluster.save(update_fields=["status", "decision"])
    copy = Post.objects.filter(cluster=cluster).exclude(pk=cluster.representative_id)
    assert copy.get().location is not None
    # when
    placed = sync.map_items_sync([cluster.pk])
    # then
    assert placed == 1
    assert MapItem.objects.get(cluster=cluster).location.equals_exact(
        copy.get().location, 1e-9
    )


def test_rebuild_repairs_the_read_model(activation):
    # given decided items the sync missed, and a stale row
    done = [make_item(activation) for _ in range(2)]
    for cluster in done:
        cluster.status, cluster.decision = "done", Kind.RELEVANT
        cluster.save(update_fields=["status", "decision"])
    stale = make_item(activation)
    sync.map_items_sync([done[0].pk])
    MapItem.objects.create(
        activation=activation,
        cluster=stale,
        location=Point(0, 0, srid=4326),
        mx=0,
        my=0,
        observed_at=stale.first_seen_at,
    )
    # when
    total = sync.map_items_rebuild(activation_id=activation.pk)
    # then
    assert total == 2
    assert set(MapItem.objects.values_list("cluster_id", flat=True)) == {
        c.pk for c in done
    }


def test_a_failing_sync_never_undoes_the_decision(
    activation, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    # given a broken read model
    def boom(ids):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sync, "map_items_sync", boom)
    # when
    with caplog.at_level(logging.ERROR, logger="mapping.sync"):
        cluster, decision, _who = _decide(
            activation, Kind.RELEVANT, on_commit=django_capture_on_commit_callbacks
        )
    # then the decision stands and the failure is logged
    cluster.refresh_from_db()
    assert cluster.status == "done"
    assert TriageDecision.objects.filter(pk=decision.pk).exists()
    assert "map sync failed" in caplog.text


@pytest.mark.parametrize(
    ("lon", "lat"), [(2.3522, 48.8566), (-179.9, -60.5), (55.45, -20.88), (0, 0)]
)
def test_mercator_matches_gdal(lon, lat):
    expected = Point(lon, lat, srid=4326).transform(3857, clone=True)
    assert sync.mercator(lon, lat) == pytest.approx((expected.x, expected.y), abs=0.01)
