"""After-action review figures on known data: volumes, exact medians, coverage, timeline."""

from __future__ import annotations

import pytest
from django.utils import timezone

from closure.selectors import aar_compute
from tests.closure import helpers

T0 = helpers.T0
_at = helpers._at


@pytest.fixture
def known(activation):
    return helpers.build_known_history(activation)


def test_medians_are_exact(known):
    figures = aar_compute(activation=known)
    assert figures["medians_seconds"] == {
        "to_triage": 120.0,
        "to_verify": 900.0,
        "to_acknowledge": 120.0,
    }


def test_volumes_and_categories(known):
    figures = aar_compute(activation=known)
    assert figures["volumes"] == {
        "ingested": 9,
        "items": 9,
        "triaged": 3,
        "cases_opened": 3,
        "verified": 1,
        "debunked": 1,
        "escalations": 4,
        "escalations_acknowledged": 4,
    }
    assert figures["by_category"] == [
        {
            "category": "infrastructure",
            "label": "Infrastructure and utilities damage",
            "count": 2,
        },
        {"category": "request", "label": "Requests or urgent needs", "count": 1},
    ]


def test_coverage_and_gaps(known):
    coverage = aar_compute(activation=known)["coverage"]
    assert coverage["duration_hours"] == 10.0
    assert coverage["covered_hours"] == 6.0
    assert coverage["ratio"] == 0.6
    assert coverage["gaps"] == [
        {"start": _at(360).isoformat(), "end": _at(600).isoformat(), "hours": 4.0}
    ]


def test_timeline_has_key_events_in_order(known):
    timeline = aar_compute(activation=known)["timeline"]
    kinds = [event["kind"] for event in timeline]
    assert kinds[0] == "opened"
    assert kinds[-1] == "closed"
    assert kinds.count("escalation") == 4
    assert kinds.count("acknowledged") == 4
    assert "log_note" in kinds
    assert "log_check_in" not in kinds  # in the coverage, not the timeline
    assert [e["at"] for e in timeline[:-1]] == sorted(e["at"] for e in timeline[:-1])
    assert timeline[-1]["text"] == "Activation closed: Décrue"


def test_no_data_gives_no_median(activation):
    figures = aar_compute(activation=activation, now=timezone.now())
    assert figures["medians_seconds"] == {
        "to_triage": None,
        "to_verify": None,
        "to_acknowledge": None,
    }
    assert figures["volumes"]["ingested"] == 0
    assert figures["coverage"]["covered_hours"] == 0.0
