import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    LogEntry,
    Shift,
    ShiftAssignment,
)
from activations.permissions import activation_role


def _counts():
    return (
        User.objects.count(),
        Agreement.objects.count(),
        Activation.objects.count(),
        ActivationMember.objects.count(),
        Shift.objects.count(),
        ShiftAssignment.objects.count(),
        LogEntry.objects.count(),
    )


def test_seed_demo_is_idempotent_and_gives_every_role_a_login(db, settings, capsys):
    settings.DEBUG = True
    # when run twice
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    # then nothing is doubled
    assert _counts() == first
    demo = Activation.objects.get(slug="demo")
    assert demo.is_exercise
    assert demo.agreement.is_in_force()
    roles = {
        u: activation_role(user=User.objects.get(username=u), activation=demo)
        for u in (
            "coordinateur",
            "chef-equipe",
            "benevole",
            "volunteer",
            "liaison",
            "observateur",
        )
    }
    assert roles == {
        "coordinateur": "coordinator",
        "chef-equipe": "team_lead",
        "benevole": "volunteer",
        "volunteer": "volunteer",
        "liaison": "liaison",
        "observateur": "observer",
    }
    assert demo.shifts.count() >= 8
    assert demo.log_entries.count() >= 3
    # the map has verified reports, the incident they form and two layers
    assert demo.map_items.filter(verification="verified").count() == 5
    assert demo.map_items.exclude(verification="verified").count() >= 3
    assert demo.incidents.filter(status="proposed").count() == 2
    assert demo.reference_layers.count() == 2
    output = capsys.readouterr().out
    assert "coordinateur" in output
    assert "/a/demo/" in output


def test_seed_demo_refuses_production_without_the_flag(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refusing with DEBUG off"):
        call_command("seed_demo")
    assert User.objects.count() == 0
