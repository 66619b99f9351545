"""Mutual-aid board and reply templates: services and selectors."""

import datetime as dt

import pytest
from django.utils import timezone

from activations.models import Activation, ActivationMember
from monitoring.models import Place
from publichelp import selectors, services, tasks
from publichelp.models import AidEntry, ReplyTemplate, ReplyValues
from tests.factories import ActivationFactory, make_item, make_member
from tests.publichelp.support import entry, offset, state
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Kind, Cat, Status = AidEntry.Kind, AidEntry.Category, AidEntry.Status
Role = ActivationMember.Role


# --- scrubber ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Appelez 06 12 34 56 78 svp", "Appelez [phone removed] svp"),
        ("tel +33 6 12 34 56 78.", "tel [phone removed]."),
        ("0612345678 ou 06.12.34.56.78", "[phone removed] ou [phone removed]"),
        (
            "écrire à jean.dupont+crue@example.fr merci",
            "écrire à [e-mail removed] merci",
        ),
        (
            "Appelez le 112 ou le 18, le 12/05/2026",
            "Appelez le 112 ou le 18, le 12/05/2026",
        ),
        ("3 lits pour 2 nuits", "3 lits pour 2 nuits"),
    ],
)
def test_scrubber_removes_phone_numbers_and_emails(text, expected):
    assert services.text_scrub(text)[0] == expected


def test_created_entry_has_its_description_scrubbed_and_expires_in_48h(activation):
    # when
    need = entry(
        activation, description="Famille à reloger, contact 06 12 34 56 78 a@b.fr"
    )
    # then
    assert (
        need.description
        == "Famille à reloger, contact [phone removed] [e-mail removed]"
    )
    assert need.status == Status.OPEN
    assert abs(
        (need.expires_at - timezone.now()) - dt.timedelta(hours=48)
    ) < dt.timedelta(minutes=1)


def test_entry_from_a_commune_name_uses_the_gazetteer(activation):
    Place.objects.create(
        source="insee",
        code="34172",
        name="Montpellier",
        normalized="montpellier",
        population=300000,
        location=offset(0),
    )
    user = make_member(activation, Role.VOLUNTEER).user
    created = services.aid_entry_create(
        activation=activation,
        by=user,
        kind=Kind.OFFER,
        category=Cat.TRANSPORT,
        description="Minibus 8 places",
        place_name="MONTPELLIER",
    )
    assert created.place_name == "Montpellier"
    assert created.location.equals(offset(0))


def test_unknown_commune_is_refused_and_nothing_is_created(activation):
    user = make_member(activation, Role.VOLUNTEER).user
    with pytest.raises(DomainError) as error:
        services.aid_entry_create(
            activation=activation,
            by=user,
            kind=Kind.NEED,
            category=Cat.FOOD_WATER,
            description="Eau",
            place_name="Nulle-Part-sur-Mer",
        )
    assert error.value.code == "unknown_place"
    assert AidEntry.objects.count() == 0


def test_description_made_only_of_personal_data_is_refused(activation):
    user = make_member(activation, Role.VOLUNTEER).user
    with pytest.raises(DomainError):
        services.aid_entry_create(
            activation=activation,
            by=user,
            kind=Kind.NEED,
            category=Cat.OTHER,
            description="   ",
            location=offset(0),
        )
    assert AidEntry.objects.count() == 0


def test_post_of_another_activation_is_refused(activation):
    other = make_item(ActivationFactory()).representative
    user = make_member(activation, Role.VOLUNTEER).user
    with pytest.raises(DomainError) as error:
        services.aid_entry_create(
            activation=activation,
            by=user,
            kind=Kind.NEED,
            category=Cat.OTHER,
            description="x",
            location=offset(0),
            source_post=other,
        )
    assert error.value.code == "foreign_post"
    assert AidEntry.objects.count() == 0


def test_entry_from_a_post_keeps_its_url(activation):
    post = make_item(activation).representative
    created = entry(activation, source_post=post)
    assert created.source_url == post.url
    assert created.source_post_id == post.pk


def test_double_submission_of_the_same_entry_records_it_once(activation):
    user = make_member(activation, Role.VOLUNTEER).user
    first = entry(activation, by=user, description="Besoin de couvertures")
    second = entry(activation, by=user, description="Besoin de couvertures")
    assert first.pk == second.pk
    assert AidEntry.objects.count() == 1


def test_closed_activation_takes_no_entry(activation):
    Activation.objects.filter(pk=activation.pk).update(
        status=Activation.Status.CLOSED, closed_at=timezone.now()
    )
    activation.refresh_from_db()
    with pytest.raises(DomainError):
        entry(activation)
    assert AidEntry.objects.count() == 0


# --- matching ---------------------------------------------------------------------------
def test_matches_are_offers_of_the_same_category_within_distance_nearest_first(
    activation,
):
    need = entry(activation, kind=Kind.NEED, category=Cat.SHELTER)
    far = entry(activation, kind=Kind.OFFER, category=Cat.SHELTER, km_east=8)
    near = entry(activation, kind=Kind.OFFER, category=Cat.SHELTER, km_east=2)
    entry(activation, kind=Kind.OFFER, category=Cat.SHELTER, km_east=15)  # too far
    entry(
        activation, kind=Kind.OFFER, category=Cat.FOOD_WATER, km_east=1
    )  # other category
    entry(activation, kind=Kind.NEED, category=Cat.SHELTER, km_east=1)  # same kind
    closed = entry(activation, kind=Kind.OFFER, category=Cat.SHELTER, km_east=1)
    services.aid_entry_update_status(
        activation=activation,
        by=need.created_by,
        entry_id=closed.pk,
        status=Status.CLOSED,
        version=closed.version,
    )
    stale = entry(activation, kind=Kind.OFFER, category=Cat.SHELTER, km_east=0.5)
    AidEntry.objects.filter(pk=stale.pk).update(expires_at=timezone.now())
    other_activation = ActivationFactory()
    entry(other_activation, kind=Kind.OFFER, category=Cat.SHELTER)
    # when
    matches = selectors.aid_matches(entry=need)
    # then
    assert [m.entry.pk for m in matches] == [near.pk, far.pk]
    assert 1900 < matches[0].distance_m < 2100
    assert 7800 < matches[1].distance_m < 8200


def test_match_distance_is_configurable_and_counts_radii(activation):
    need = entry(activation, kind=Kind.NEED)
    offer = entry(activation, kind=Kind.OFFER, km_east=15)
    assert selectors.aid_matches(entry=need) == []
    assert [
        m.entry for m in selectors.aid_matches(entry=need, max_distance_m=20_000)
    ] == [offer]
    AidEntry.objects.filter(pk=offer.pk).update(radius_m=6000)
    [match] = selectors.aid_matches(entry=need)
    assert 8800 < match.distance_m < 9200


def test_reverse_matching_finds_needs_for_an_offer(activation):
    offer = entry(activation, kind=Kind.OFFER)
    need = entry(activation, kind=Kind.NEED, km_east=3)
    assert [m.entry for m in selectors.aid_matches(entry=offer)] == [need]


def test_suggestions_for_many_entries_take_two_queries(
    activation, django_assert_num_queries
):
    needs = [entry(activation, kind=Kind.NEED, km_east=i) for i in range(5)]
    entry(activation, kind=Kind.OFFER, km_east=2)
    with django_assert_num_queries(2):
        found = selectors.aid_match_suggestions(entries=needs, per_entry=3)
    assert set(found) == {n.pk for n in needs}


def test_match_pairs_need_and_offer(activation):
    need = entry(activation, kind=Kind.NEED)
    offer = entry(activation, kind=Kind.OFFER, km_east=1)
    # when
    services.aid_entry_match(
        activation=activation, by=need.created_by, entry_id=need.pk, other_id=offer.pk
    )
    # then
    need.refresh_from_db()
    offer.refresh_from_db()
    assert (need.status, need.matched_with_id) == (Status.MATCHED, offer.pk)
    assert (offer.status, offer.matched_with_id) == (Status.MATCHED, need.pk)
    assert selectors.aid_matches(entry=entry(activation, kind=Kind.NEED)) == []


def test_double_match_is_refused_and_changes_nothing(activation):
    need = entry(activation, kind=Kind.NEED)
    offer = entry(activation, kind=Kind.OFFER, km_east=1)
    services.aid_entry_match(
        activation=activation, by=need.created_by, entry_id=need.pk, other_id=offer.pk
    )
    before = state()
    with pytest.raises(ConflictError):
        services.aid_entry_match(
            activation=activation,
            by=need.created_by,
            entry_id=need.pk,
            other_id=offer.pk,
        )
    other_need = entry(activation, kind=Kind.NEED, km_east=0.5)
    before = state()
    with pytest.raises(ConflictError):  # the offer is taken
        services.aid_entry_match(
            activation=activation,
            by=need.created_by,
            entry_id=other_need.pk,
            other_id=offer.pk,
        )
    assert state() == before


@pytest.mark.parametrize(
    ("case", "make_other", "code"),
    [
        ("same kind", lambda a: entry(a, kind=Kind.NEED, km_east=1), "same_kind"),
        (
            "other category",
            lambda a: entry(a, kind=Kind.OFFER, category=Cat.MEDICAL),
            "other_category",
        ),
        (
            "other activation",
            lambda a: entry(ActivationFactory(), kind=Kind.OFFER),
            "unknown_entry",
        ),
    ],
)
def test_match_refusals_change_nothing(activation, case, make_other, code):
    need = entry(activation, kind=Kind.NEED)
    other = make_other(activation)
    before = state()
    with pytest.raises(DomainError) as error:
        services.aid_entry_match(
            activation=activation,
            by=need.created_by,
            entry_id=need.pk,
            other_id=other.pk,
        )
    assert error.value.code == code
    assert state() == before


@pytest.mark.parametrize("status", [Status.CLOSED, Status.EXPIRED, Status.FULFILLED])
def test_match_refuses_closed_or_expired_entries(activation, status):
    need = entry(activation, kind=Kind.NEED)
    offer = entry(activation, kind=Kind.OFFER)
    AidEntry.objects.filter(pk=offer.pk).update(status=status)
    before = state()
    with pytest.raises(DomainError) as error:
        services.aid_entry_match(
            activation=activation,
            by=need.created_by,
            entry_id=need.pk,
            other_id=offer.pk,
        )
    assert error.value.code == "not_open"
    assert state() == before


def test_match_refuses_an_open_entry_past_its_expiry(activation):
    need = entry(activation, kind=Kind.NEED)
    offer = entry(activation, kind=Kind.OFFER)
    AidEntry.objects.filter(pk=offer.pk).update(expires_at=timezone.now())
    with pytest.raises(DomainError):
        services.aid_entry_match(
            activation=activation,
            by=need.created_by,
            entry_id=need.pk,
            other_id=offer.pk,
        )


def test_stale_version_is_refused(activation):
    need = entry(activation, kind=Kind.NEED)
    offer = entry(activation, kind=Kind.OFFER)
    before = state()
    with pytest.raises(ConflictError):
        services.aid_entry_match(
            activation=activation,
            by=need.created_by,
            entry_id=need.pk,
            other_id=offer.pk,
            version=need.version + 1,
        )
    assert state() == before


# --- status -----------------------------------------------------------------------------
def _matched(activation):
    need = entry(activation, kind=Kind.NEED)
    offer = entry(activation, kind=Kind.OFFER)
    services.aid_entry_match(
        activation=activation, by=need.created_by, entry_id=need.pk, other_id=offer.pk
    )
    need.refresh_from_db()
    offer.refresh_from_db()
    return need, offer


def test_fulfilling_a_match_fulfils_both(activation):
    need, offer = _matched(activation)
    services.aid_entry_update_status(
        activation=activation,
        by=need.created_by,
        entry_id=need.pk,
        status=Status.FULFILLED,
        version=need.version,
    )
    offer.refresh_from_db()
    assert offer.status == Status.FULFILLED
    assert offer.matched_with_id == need.pk


def test_closing_a_matched_entry_releases_its_partner(activation):
    need, offer = _matched(activation)
    services.aid_entry_update_status(
        activation=activation,
        by=need.created_by,
        entry_id=need.pk,
        status=Status.CLOSED,
        version=need.version,
    )
    need.refresh_from_db()
    offer.refresh_from_db()
    assert (need.status, need.matched_with_id) == (Status.CLOSED, None)
    assert (offer.status, offer.matched_with_id) == (Status.OPEN, None)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.CLOSED, Status.OPEN),
        (Status.FULFILLED, Status.OPEN),
        (Status.OPEN, Status.MATCHED),
        (Status.OPEN, Status.EXPIRED),
    ],
)
def test_forbidden_transitions_change_nothing(activation, start, target):
    need = entry(activation)
    AidEntry.objects.filter(pk=need.pk).update(status=start)
    before = state()
    with pytest.raises(DomainError):
        services.aid_entry_update_status(
            activation=activation,
            by=need.created_by,
            entry_id=need.pk,
            status=target,
            version=need.version,
        )
    assert state() == before


def test_same_status_twice_is_a_conflict(activation):
    need = entry(activation)
    services.aid_entry_update_status(
        activation=activation,
        by=need.created_by,
        entry_id=need.pk,
        status=Status.CLOSED,
        version=need.version,
    )
    with pytest.raises(ConflictError):
        services.aid_entry_update_status(
            activation=activation,
            by=need.created_by,
            entry_id=need.pk,
            status=Status.CLOSED,
            version=None,
        )


# --- expiry -----------------------------------------------------------------------------
def test_expiry_task_expires_open_entries_past_their_time_only_once(activation):
    old = entry(activation, kind=Kind.NEED, description="old")
    fresh = entry(activation, kind=Kind.NEED, description="fresh")
    need, offer = _matched(activation)
    AidEntry.objects.filter(pk__in=[old.pk, need.pk, offer.pk]).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    # when run twice
    assert tasks.expire_aid_entries() == 1
    assert tasks.expire_aid_entries() == 0
    # then
    statuses = dict(AidEntry.objects.values_list("pk", "status"))
    assert statuses[old.pk] == Status.EXPIRED
    assert statuses[fresh.pk] == Status.OPEN
    assert statuses[need.pk] == statuses[offer.pk] == Status.MATCHED


def test_reopening_an_expired_entry_gives_it_48_hours(activation):
    old = entry(activation)
    AidEntry.objects.filter(pk=old.pk).update(
        status=Status.EXPIRED, expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    reopened = services.aid_entry_update_status(
        activation=activation,
        by=old.created_by,
        entry_id=old.pk,
        status=Status.OPEN,
        version=old.version,
    )
    assert reopened.expires_at > timezone.now() + dt.timedelta(hours=47)


# --- reply templates --------------------------------------------------------------------
def test_library_is_seeded_in_french_and_english_and_seed_is_idempotent():
    services.reply_library_seed()
    library = ReplyTemplate.objects.filter(activation__isnull=True)
    assert library.count() == 20
    assert set(library.values_list("language", flat=True)) == {"fr", "en"}
    assert services.reply_library_seed() == 0
    for template in library:
        for url in template.resource_urls:
            assert url.startswith("https://")


def test_templates_are_filled_with_the_activation_values(activation):
    services.reply_library_seed()
    lead = make_member(activation, Role.TEAM_LEAD).user
    services.reply_values_save(
        activation=activation,
        by=lead,
        official_url="https://www.herault.gouv.fr/crue",
        emergency_number="112",
        shelter="Gymnase Jean-Bouin",
        authority="Préfecture de l’Hérault",
    )
    [evacuation] = selectors.reply_templates_for(
        activation=activation, situation="evacuation", language="fr"
    )
    [filled] = selectors.reply_filled(activation=activation, templates=[evacuation])
    assert "Gymnase Jean-Bouin" in filled.filled
    assert "https://www.herault.gouv.fr/crue" in filled.filled
    assert "Préfecture de l’Hérault" in filled.filled
    assert "{" not in filled.filled


def test_missing_values_stay_visible(activation):
    services.reply_library_seed()
    [shelter] = selectors.reply_templates_for(
        activation=activation, situation="shelter", language="en"
    )
    [filled] = selectors.reply_filled(activation=activation, templates=[shelter])
    assert "[to check: shelter]" in filled.filled
    assert "shelter" in selectors.reply_missing_values(activation=activation)


def test_override_replaces_the_library_template_for_its_activation_only(activation):
    services.reply_library_seed()
    lead = make_member(activation, Role.TEAM_LEAD).user
    library = ReplyTemplate.objects.get(
        activation=None, situation="heat", language="fr"
    )
    own = services.reply_template_customise(
        activation=activation, by=lead, template=library
    )
    assert (
        services.reply_template_customise(
            activation=activation, by=lead, template=library
        )
        == own
    )
    services.reply_template_save(
        activation=activation,
        by=lead,
        template=own,
        situation="heat",
        language="fr",
        title="Canicule locale",
        body="Fraîcheur : {shelter}",
        resource_urls=[],
        version=own.version,
    )
    [mine] = selectors.reply_templates_for(
        activation=activation, situation="heat", language="fr"
    )
    assert mine.title == "Canicule locale"
    [theirs] = selectors.reply_templates_for(
        activation=ActivationFactory(), situation="heat", language="fr"
    )
    assert theirs.pk == library.pk


def test_deactivating_a_library_template_hides_it_here_only(activation):
    services.reply_library_seed()
    lead = make_member(activation, Role.TEAM_LEAD).user
    library = ReplyTemplate.objects.get(
        activation=None, situation="rumour", language="en"
    )
    services.reply_template_set_active(
        activation=activation, by=lead, template=library, active=False
    )
    library.refresh_from_db()
    assert library.is_active
    assert (
        selectors.reply_templates_for(
            activation=activation, situation="rumour", language="en"
        )
        == []
    )
    assert (
        len(
            selectors.reply_templates_for(
                activation=ActivationFactory(), situation="rumour", language="en"
            )
        )
        == 1
    )


@pytest.mark.parametrize(
    ("body", "urls"),
    [
        ("Voir {oficial_url}", []),
        ("Voir {official_url}", ["javascript:alert(1)"]),
        ("Voir {official_url}", ["ftp://example.org/x"]),
    ],
)
def test_bad_templates_are_refused(activation, body, urls):
    lead = make_member(activation, Role.TEAM_LEAD).user
    before = ReplyTemplate.objects.count()
    with pytest.raises(DomainError):
        services.reply_template_save(
            activation=activation,
            by=lead,
            template=None,
            situation="heat",
            language="fr",
            title="x",
            body=body,
            resource_urls=urls,
        )
    assert ReplyTemplate.objects.count() == before


def test_library_templates_are_not_edited_from_an_activation(activation):
    services.reply_library_seed()
    lead = make_member(activation, Role.TEAM_LEAD).user
    library = ReplyTemplate.objects.get(
        activation=None, situation="heat", language="fr"
    )
    with pytest.raises(DomainError):
        services.reply_template_save(
            activation=activation,
            by=lead,
            template=library,
            situation="heat",
            language="fr",
            title="x",
            body="y",
            resource_urls=[],
        )
    library.refresh_from_db()
    assert library.title == "Canicule"


def test_bad_official_url_is_refused(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    with pytest.raises(DomainError):
        services.reply_values_save(
            activation=activation,
            by=lead,
            official_url="javascript:alert(1)",
            emergency_number="112",
            shelter="",
            authority="",
        )
    assert not ReplyValues.objects.exists()


def test_demo_seed_is_idempotent(activation):
    from publichelp.demo import demo_publichelp_seed

    users = {
        "chef-equipe": make_member(activation, Role.TEAM_LEAD).user,
        "benevole": make_member(activation, Role.VOLUNTEER).user,
    }
    demo_publichelp_seed(activation, users)
    demo_publichelp_seed(activation, users)
    assert AidEntry.objects.filter(activation=activation).count() == 6
    assert ReplyValues.objects.filter(activation=activation).count() == 1
    [need] = AidEntry.objects.filter(
        activation=activation, category="shelter", kind="need"
    )
    assert len(selectors.aid_matches(entry=need)) == 1
