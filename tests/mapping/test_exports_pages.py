"""Export pages: role matrix, the form, htmx progress polling, downloads, IDOR."""

import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from mapping import tasks
from mapping.models import MapExport
from mapping.services import exports as services
from tests.factories import ALL_ROLES, ActivationFactory, UserFactory, make_member
from tests.mapping.exports_support import export_state, make_export, make_map_item
from tests.verification.cases_support import XSS

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(tasks.build_export, "delay", lambda export_id: None)


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def built(activation, **fields):
    make_map_item(activation)
    export = make_export(activation, **fields)
    return services.export_build(export_id=export.pk)


def _list_url(activation):
    return reverse("mapping:export-list", args=[activation.slug])


def _download_url(export, activation=None):
    activation = activation or export.activation
    return reverse("mapping:export-download", args=[activation.slug, export.pk])


PAGES = {
    # name: (method, make url, form data, expected if allowed)
    "list": ("get", _list_url, None, 200),
    "list POST": (
        "post",
        _list_url,
        {"format": "csv", "include_items": "on", "include_incidents": "on"},
        302,
    ),
    "download": ("get", lambda a: _download_url(built(a)), None, 200),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given
    method, make_url, data, ok = PAGES[page]
    actor = _actor(who, activation)
    url = make_url(activation)
    if actor is not None:
        client.force_login(actor)
    before = export_state()
    # when
    response = client.get(url) if method == "get" else client.post(url, data)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif Action.EXPORT_MAP in ROLE_ACTIONS[who]:
        assert response.status_code == ok
        return
    else:
        assert response.status_code == 403
    assert export_state() == before


def test_a_request_redirects_to_the_list_with_the_export(client, activation):
    # given
    lead = make_member(activation, Role.TEAM_LEAD).user
    client.force_login(lead)
    # when
    response = client.post(
        _list_url(activation), {"format": "kml", "include_incidents": "on"}
    )
    # then
    export = MapExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{_list_url(activation)}#export-{export.pk}"
    assert (export.format, export.include_items, export.include_incidents) == (
        "kml",
        False,
        True,
    )
    assert export.pseudonymise is True
    page = client.get(response["Location"])
    assert "Your export is being prepared" in page.content.decode()


def test_only_coordinators_are_offered_to_name_authors(client, activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    coordinator = make_member(activation, Role.COORDINATOR).user
    client.force_login(lead)
    assert (
        'name="name_authors"' not in client.get(_list_url(activation)).content.decode()
    )
    # a forged field is ignored: the export stays pseudonymised
    client.post(
        _list_url(activation),
        {"format": "csv", "include_items": "on", "name_authors": "on"},
    )
    assert MapExport.objects.get().pseudonymise is True
    client.force_login(coordinator)
    assert 'name="name_authors"' in client.get(_list_url(activation)).content.decode()
    client.post(
        _list_url(activation),
        {"format": "csv", "include_items": "on", "name_authors": "on"},
    )
    assert MapExport.objects.get(requested_by=coordinator).pseudonymise is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"format": "csv"},
            "Choose what to export: verified items, incidents or both.",
        ),
        ({"format": "shp", "include_items": "on"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_and_logged(client, activation, caplog, data, message):
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    with caplog.at_level(logging.WARNING):
        response = client.post(_list_url(activation), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "invalid map export request" in caplog.text
    assert export_state() == []


def test_too_many_pending_exports_are_refused_with_a_message(client, activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    for _ in range(services.MAX_PENDING):
        make_export(activation, lead, format="kml")
    before = export_state()
    client.force_login(lead)
    response = client.post(
        _list_url(activation), {"format": "csv", "include_items": "on"}
    )
    assert response.status_code == 409
    assert "already being prepared" in response.content.decode()
    assert export_state() == before


def test_the_list_polls_while_an_export_is_pending(client, activation):
    # given one running export half done and one built
    lead = make_member(activation, Role.TEAM_LEAD).user
    done = built(activation, requested_by=lead)
    running = make_export(activation, lead, status="running", total=10, done=4)
    client.force_login(lead)
    # when htmx polls
    response = client.get(_list_url(activation), headers={"HX-Request": "true"})
    # then only the list comes back, still polling
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="export-list"' in html
    assert 'hx-trigger="every 2s"' in html
    assert f'hx-get="{_list_url(activation)}"' in html
    assert '<progress max="100" value="40"' in html
    assert "4 of 10 rows" in html
    assert _download_url(done) in html
    assert _download_url(running) not in html
    assert "HX-Request" in response["Vary"]
    # and stops polling once nothing is pending
    MapExport.objects.filter(pk=running.pk).update(status="failed", error=XSS)
    html = client.get(
        _list_url(activation), headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_the_full_page_has_the_map_tab_and_marks_exercises(client):
    activation = ActivationFactory(kind="exercise")
    client.force_login(make_member(activation, Role.LIAISON).user)
    html = client.get(_list_url(activation)).content.decode()
    assert "<html" in html
    assert "every file of this activation is marked as exercise data" in html
    assert "No export yet." in html


def test_download_is_an_attachment_with_the_right_type(client, activation):
    # given
    export = built(activation, format="csv")
    client.force_login(make_member(activation, Role.LIAISON).user)
    # when
    response = client.get(_download_url(export))
    # then
    day = timezone.localdate(export.created_at, activation.tz).isoformat()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="vost-{activation.slug}-{day}.csv"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbfkind,id,")


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("geojson", "application/geo+json"),
        ("kml", "application/vnd.google-earth.kml+xml"),
    ],
)
def test_download_content_types(client, activation, fmt, content_type):
    export = built(activation, format=fmt)
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    response = client.get(_download_url(export))
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].endswith(f'.{fmt}"')


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_no_download_before_it_is_done(client, activation, status):
    export = make_export(activation, status=status)
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    assert client.get(_download_url(export)).status_code == 404


def test_another_activations_export_is_not_found(client, activation):
    # given an export of another activation the person also works on
    other = ActivationFactory()
    export = built(other)
    lead = make_member(activation, Role.TEAM_LEAD).user
    client.force_login(lead)
    # when asked through this activation's URL
    response = client.get(_download_url(export, activation))
    # then
    assert response.status_code == 404


def test_an_export_naming_authors_is_for_coordinators_only(client, activation):
    export = built(activation, pseudonymise=False)
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    assert client.get(_download_url(export)).status_code == 404
    assert (
        _download_url(export) not in client.get(_list_url(activation)).content.decode()
    )
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    assert client.get(_download_url(export)).status_code == 200


def test_a_missing_file_is_not_found(client, activation):
    export = built(activation)
    services.export_file_path(export).unlink()
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    assert client.get(_download_url(export)).status_code == 404
