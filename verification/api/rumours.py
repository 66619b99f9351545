"""Rumour register API: list and record rumours of an activation; one rumour with
its linked posts, cases, reach over time and relays; its status, links,
counter-message steps and relays.

Reading needs VIEW_RUMOURS (every role, the authority's liaison included: posts
then come with pseudonymous authors and no link to the original); changing needs
MANAGE_RUMOURS (team leads, coordinators); deciding on a counter-message needs
APPROVE_COUNTER_MESSAGE (the liaison). Changes name the ``version`` they were
made on: a stale one is refused with 409 and nothing changes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activations.api._common import (
    ActivationApi,
    EnumField,
    UserRef,
    errors,
    paginate,
    request_user,
)
from activations.permissions import Action, activation_allowed_actions
from monitoring.models import Platform
from verification import selectors_rumours as selectors
from verification.models import Case, Relay, Rumour
from verification.permissions_rumours import rumour_get_for_user
from verification.services import rumours as services
from vost.api import Pagination
from vost.exceptions import DomainError

TAGS = ["rumours"]
CHANGE_ERRORS = errors(400, 403, 404, 409)


# --- output ------------------------------------------------------------------------
class RumourSummaryOutput(serializers.Serializer[Rumour]):
    number = serializers.IntegerField(help_text="R1, R2… within the activation.")
    claim = serializers.CharField()
    status = EnumField(enum="RumourStatus", choices=Rumour.Status)
    first_seen_at = serializers.DateTimeField()
    counter_status = EnumField(
        enum="CounterMessageStatus",
        choices=Rumour.CounterStatus,
        help_text="Empty: no counter-message yet.",
    )
    items_count = serializers.IntegerField(help_text="Linked queue items.")
    posts_count = serializers.IntegerField(help_text="Posts of the linked items.")
    platforms = serializers.ListField(
        child=EnumField(enum="Platform", choices=Platform),
        help_text="Platforms of the linked posts.",
    )
    relays_count = serializers.IntegerField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "RumourSummary"


class LinkedPostOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    platform = EnumField(enum="Platform", choices=Platform)
    text = serializers.CharField(help_text="Plain text: escape it when showing it.")
    lang = serializers.CharField()
    author = serializers.CharField(
        help_text='The handle, or "account N" for roles that do not see the queue.'
    )
    followers = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(
        help_text="Link to the original (empty when hidden or not http(s))."
    )
    posted_at = serializers.DateTimeField()

    class Meta:
        ref_name = "RumourLinkedPost"


class LinkedItemOutput(serializers.Serializer[Any]):
    cluster_id = serializers.IntegerField(help_text="The queue item.")
    size = serializers.IntegerField(help_text="Posts in the item.")
    first_seen_at = serializers.DateTimeField()
    category = serializers.CharField()
    posts = LinkedPostOutput(
        many=True, help_text=f"Its first {selectors.POSTS_PER_ITEM} posts."
    )

    class Meta:
        ref_name = "RumourLinkedItem"


class LinkedCaseOutput(serializers.Serializer[Case]):
    number = serializers.IntegerField()
    claim = serializers.CharField()
    status = serializers.CharField()

    class Meta:
        ref_name = "RumourLinkedCase"


class ReachPointOutput(serializers.Serializer[Any]):
    time = serializers.DateTimeField(help_text="Start of the hour (or day).")
    posts = serializers.IntegerField()
    accounts = serializers.IntegerField(help_text="Distinct accounts that posted.")
    followers = serializers.IntegerField(
        help_text="Their followers, each account once, where the platform says."
    )

    class Meta:
        ref_name = "RumourReachPoint"


class PlatformReachOutput(serializers.Serializer[Any]):
    platform = EnumField(enum="Platform", choices=Platform)
    posts = serializers.IntegerField()
    accounts = serializers.IntegerField()
    followers = serializers.IntegerField()

    class Meta:
        ref_name = "RumourPlatformReach"


class ReachOutput(serializers.Serializer[Any]):
    bucket = serializers.ChoiceField(choices=list(selectors.BUCKETS))
    points = ReachPointOutput(many=True, help_text="Buckets without posts are omitted.")
    platforms = PlatformReachOutput(many=True)

    class Meta:
        ref_name = "RumourReach"


class RumourEventOutput(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    kind = EnumField(
        enum="RumourEventKind", choices=[(k.value, k.value) for k in services.EventKind]
    )
    user = UserRef(allow_null=True)
    text = serializers.CharField()

    class Meta:
        ref_name = "RumourEvent"


class RelayOutput(serializers.Serializer[Relay]):
    id = serializers.IntegerField()
    channel = EnumField(enum="RelayChannel", choices=Relay.Channel)
    link = serializers.CharField()
    relayed_at = serializers.DateTimeField()
    recorded_by = UserRef()
    note = serializers.CharField()

    class Meta:
        ref_name = "Relay"


class RumourOutput(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    claim = serializers.CharField()
    status = EnumField(enum="RumourStatus", choices=Rumour.Status)
    first_seen_at = serializers.DateTimeField()
    created_by = UserRef()
    notes = serializers.CharField(help_text="The team's notes (empty for the liaison).")
    counter_message = serializers.CharField(
        help_text="Hidden from the liaison while it is a draft."
    )
    counter_status = EnumField(
        enum="CounterMessageStatus", choices=Rumour.CounterStatus
    )
    counter_submitted_by = UserRef(allow_null=True)
    counter_submitted_at = serializers.DateTimeField(allow_null=True)
    counter_decided_by = UserRef(allow_null=True)
    counter_decided_at = serializers.DateTimeField(allow_null=True)
    counter_decision_note = serializers.CharField(help_text="The authority's remarks.")
    items = LinkedItemOutput(many=True)
    cases = LinkedCaseOutput(many=True, help_text="Empty for roles without cases.")
    reach = ReachOutput()
    events = RumourEventOutput(many=True, help_text="The history, oldest first.")
    relays = RelayOutput(many=True)
    version = serializers.IntegerField(help_text="Send it back with a change.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Rumour"


def rumour_body(*, rumour: Rumour, user: Any, bucket: str = "hour") -> dict[str, Any]:
    """What the API says of one rumour to `user` (same rules as the page)."""
    fresh = rumour_get_for_user(
        user=user,
        slug=rumour.activation.slug,
        number=rumour.number,
        action=Action.VIEW_RUMOURS,
    )
    allowed = activation_allowed_actions(user=user, activation=fresh.activation)
    reveal = Action.VIEW_POSTS in allowed
    hide_draft = not reveal and fresh.counter_status == Rumour.CounterStatus.DRAFT
    data = {
        "number": fresh.number,
        "claim": fresh.claim,
        "status": fresh.status,
        "first_seen_at": fresh.first_seen_at,
        "created_by": fresh.created_by,
        "notes": fresh.notes if reveal else "",
        "counter_message": "" if hide_draft else fresh.counter_message,
        "counter_status": fresh.counter_status,
        "counter_submitted_by": fresh.counter_submitted_by,
        "counter_submitted_at": fresh.counter_submitted_at,
        "counter_decided_by": fresh.counter_decided_by,
        "counter_decided_at": fresh.counter_decided_at,
        "counter_decision_note": fresh.counter_decision_note,
        "items": selectors.rumour_items(rumour=fresh, reveal_authors=reveal),
        "cases": list(selectors.rumour_cases(rumour=fresh))
        if Action.VIEW_CASES in allowed
        else [],
        "reach": {
            "bucket": bucket,
            "points": selectors.rumour_reach(rumour=fresh, bucket=bucket),
            "platforms": selectors.rumour_platforms(rumour=fresh),
        },
        "events": selectors.rumour_events(rumour=fresh, liaison_view=not reveal),
        "relays": list(selectors.rumour_relays(rumour=fresh)),
        "version": fresh.version,
        "created_at": fresh.created_at,
        "updated_at": fresh.updated_at,
    }
    return dict(RumourOutput(data).data)


# --- input ---------------------------------------------------------------------------
class _ItemsInput(serializers.Serializer[Any]):
    cluster_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=200,
        help_text="Queue items (clusters) of the activation.",
    )
    post_urls = serializers.ListField(
        child=serializers.URLField(max_length=1000),
        required=False,
        default=list,
        max_length=200,
        help_text="Links to posts of the activation: their queue items are linked.",
    )


def _resolve(activation: Any, data: dict[str, Any]) -> list[int]:
    """Cluster ids from ids and post links; unknown links are a 400."""
    found = selectors.items_resolve(
        activation=activation,
        references=[str(pk) for pk in data["cluster_ids"]] + list(data["post_urls"]),
    )
    if found.problems:
        raise ValidationError({"post_urls": found.problems})
    return found.cluster_ids


def _cases(activation: Any, numbers: list[int]) -> list[Case]:
    cases = {
        c.number: c
        for c in Case.objects.filter(activation=activation, number__in=numbers)
    }
    missing = [n for n in numbers if n not in cases]
    if missing:
        raise ValidationError(
            {
                "case_numbers": [
                    _("No case #%(number)s in this activation.") % {"number": n}
                    for n in missing
                ]
            }
        )
    return [cases[n] for n in dict.fromkeys(numbers)]


# --- endpoints -------------------------------------------------------------------------
class RumourListApi(ActivationApi):
    """The activation's rumours, most recently first seen first (every role), and
    recording one (team leads, coordinators)."""

    activation_actions = {"GET": Action.VIEW_RUMOURS, "POST": Action.MANAGE_RUMOURS}
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = EnumField(enum="RumourStatus", choices=Rumour.Status, required=False)

    class Input(_ItemsInput):
        claim = serializers.CharField(max_length=services.MAX_CLAIM)
        first_seen_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Default: the earliest linked post, or now.",
        )
        notes = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=4000
        )

        class Meta:
            ref_name = "RumourCreate"

    Output = RumourSummaryOutput

    @extend_schema(
        operation_id="rumour_list",
        tags=TAGS,
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rumours = selectors.rumour_list(
            activation=self.activation, status=filters.validated_data.get("status")
        )
        return paginate(
            request=request, view=self, queryset=rumours, serializer=self.Output
        )

    @extend_schema(
        operation_id="rumour_create",
        tags=TAGS,
        request=Input,
        responses={201: RumourOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        rumour = services.rumour_create(
            activation=self.activation,
            by=self.user(),
            claim=values["claim"],
            first_seen_at=values["first_seen_at"],
            cluster_ids=_resolve(self.activation, values),
            notes=values["notes"],
        )
        return Response(
            rumour_body(rumour=rumour, user=self.user()), status=status.HTTP_201_CREATED
        )


class _RumourApi(APIView):
    """Base of the endpoints on one rumour: the action each needs."""

    permission_classes = [IsAuthenticated]
    action: ClassVar[Action] = Action.MANAGE_RUMOURS

    def rumour(self, slug: str, number: int) -> Rumour:
        return rumour_get_for_user(
            user=request_user(self.request),
            slug=slug,
            number=number,
            action=self.action,
        )

    def body(self, rumour: Rumour) -> Response:
        return Response(rumour_body(rumour=rumour, user=request_user(self.request)))


class RumourDetailApi(_RumourApi):
    """One rumour: linked posts and cases, reach over time, history, relays."""

    action = Action.VIEW_RUMOURS

    @extend_schema(
        operation_id="rumour_retrieve",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "bucket",
                enum=list(selectors.BUCKETS),
                default="hour",
                description="Reach per hour or per day (activation's time zone).",
            )
        ],
        responses={200: RumourOutput, **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        bucket = request.query_params.get("bucket", "hour")
        if bucket not in selectors.BUCKETS:
            raise ValidationError({"bucket": [_("Use “hour” or “day”.")]})
        rumour = self.rumour(slug, number)
        return Response(
            rumour_body(rumour=rumour, user=request_user(request), bucket=bucket)
        )


class RumourStatusApi(_RumourApi):
    """Move the rumour to another status (any move; each is recorded)."""

    class Input(serializers.Serializer[Any]):
        status = EnumField(enum="RumourStatus", choices=Rumour.Status)
        version = serializers.IntegerField(min_value=1)
        note = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=services.MAX_NOTE
        )

        class Meta:
            ref_name = "RumourStatusChange"

    @extend_schema(
        operation_id="rumour_set_status",
        tags=TAGS,
        request=Input,
        responses={200: RumourOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rumour = self.rumour(slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        rumour = services.rumour_set_status(
            rumour=rumour, by=request_user(request), **data.validated_data
        )
        return self.body(rumour)


class RumourLinkApi(_RumourApi):
    """Link queue items (by id or post link, any platform) and cases of the same
    activation. Already linked ones are left as they are."""

    class Input(_ItemsInput):
        case_numbers = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            default=list,
            max_length=100,
        )

        class Meta:
            ref_name = "RumourLink"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if not (
                attrs["cluster_ids"] or attrs["post_urls"] or attrs["case_numbers"]
            ):
                raise ValidationError(
                    _("Give queue items, post links or cases to link.")
                )
            return attrs

    @extend_schema(
        operation_id="rumour_link",
        tags=TAGS,
        request=Input,
        responses={200: RumourOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rumour = self.rumour(slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request_user(request)
        if values[
            "case_numbers"
        ] and Action.VIEW_CASES not in activation_allowed_actions(
            user=user, activation=rumour.activation
        ):
            raise DomainError(_("Your role does not see verification cases."))
        cluster_ids = _resolve(rumour.activation, values)
        cases = _cases(rumour.activation, values["case_numbers"])
        with transaction.atomic():  # everything or nothing
            if cluster_ids:
                rumour = services.rumour_link_items(
                    rumour=rumour, by=user, cluster_ids=cluster_ids
                )
            for case in cases:
                rumour = services.rumour_link_case(rumour=rumour, by=user, case=case)
        return self.body(rumour)


class RumourUnlinkApi(_RumourApi):
    """Unlink queue items and cases (the history keeps that they were linked)."""

    class Input(serializers.Serializer[Any]):
        cluster_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), required=False, default=list
        )
        case_numbers = serializers.ListField(
            child=serializers.IntegerField(min_value=1), required=False, default=list
        )

        class Meta:
            ref_name = "RumourUnlink"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if not (attrs["cluster_ids"] or attrs["case_numbers"]):
                raise ValidationError(_("Give queue items or cases to unlink."))
            return attrs

    @extend_schema(
        operation_id="rumour_unlink",
        tags=TAGS,
        request=Input,
        responses={200: RumourOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rumour = self.rumour(slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        user = request_user(request)
        cases = _cases(rumour.activation, data.validated_data["case_numbers"])
        with transaction.atomic():
            for cluster_id in dict.fromkeys(data.validated_data["cluster_ids"]):
                rumour = services.rumour_unlink_item(
                    rumour=rumour, by=user, cluster_id=cluster_id
                )
            for case in cases:
                rumour = services.rumour_unlink_case(rumour=rumour, by=user, case=case)
        return self.body(rumour)


class _VersionInput(serializers.Serializer[Any]):
    version = serializers.IntegerField(min_value=1)

    class Meta:
        ref_name = "RumourVersion"


class CounterMessageSaveApi(_RumourApi):
    """Save the counter-message draft (refused while submitted or approved:
    withdraw it first)."""

    class Input(serializers.Serializer[Any]):
        text = serializers.CharField(max_length=services.MAX_COUNTER)
        version = serializers.IntegerField(min_value=1)

        class Meta:
            ref_name = "CounterMessageDraft"

    @extend_schema(
        operation_id="rumour_counter_message_save",
        tags=TAGS,
        request=Input,
        responses={200: RumourOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rumour = self.rumour(slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        rumour = services.counter_message_save(
            rumour=rumour, by=request_user(request), **data.validated_data
        )
        return self.body(rumour)


class CounterMessageSubmitApi(_RumourApi):
    """Submit the saved draft to the authority (its liaisons are notified)."""

    @extend_schema(
        operation_id="rumour_counter_message_submit",
        tags=TAGS,
        request=_VersionInput,
        responses={200: RumourOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rumour = self.rumour(slug, number)
        data = _VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        rumour = services.counter_message_submit(
            rumour=rumour, by=request_user(request), **data.validated_data
        )
        return self.body(rumour)


class CounterMessageWithdrawApi(_RumourApi):
    """Take a submitted or approved counter-message back to draft."""

    @extend_schema(
        operation_id="rumour_counter_message_withdraw",
        tags=TAGS,
        request=_VersionInput,
        responses={200: RumourOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rumour = self.rumour(slug, number)
        data = _VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        rumour = services.counter_message_withdraw(
            rumour=rumour, by=request_user(request), **data.validated_data
        )
        return self.body(rumour)


class CounterMessageDecideApi(_RumourApi):
    """The authority's liaison approves or rejects the submitted counter-message
    (once: a second decision is a 409 naming the first)."""

    action = Action.APPROVE_COUNTER_MESSAGE

    class Input(serializers.Serializer[Any]):
        approve = serializers.BooleanField()
        note = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=services.MAX_NOTE,
            help_text="Remarks; needed to reject.",
        )
        version = serializers.IntegerField(min_value=1)

        class Meta:
            ref_name = "CounterMessageDecision"

    @extend_schema(
        operation_id="rumour_counter_message_decide",
        tags=TAGS,
        request=Input,
        responses={200: RumourOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rumour = self.rumour(slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        rumour = services.counter_message_decide(
            rumour=rumour, by=request_user(request), **data.validated_data
        )
        return self.body(rumour)


class RelayAddApi(_RumourApi):
    """Record where the approved counter-message was published."""

    class Input(serializers.Serializer[Any]):
        channel = EnumField(enum="RelayChannel", choices=Relay.Channel)
        link = serializers.URLField(max_length=1000)
        relayed_at = serializers.DateTimeField(
            required=False, allow_null=True, default=None, help_text="Default: now."
        )
        note = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=300
        )

        class Meta:
            ref_name = "RelayCreate"

    @extend_schema(
        operation_id="rumour_relay_add",
        tags=TAGS,
        request=Input,
        responses={201: RelayOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rumour = self.rumour(slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        relay = services.relay_record(
            rumour=rumour, by=request_user(request), **data.validated_data
        )
        return Response(RelayOutput(relay).data, status=status.HTTP_201_CREATED)


_ONE = "activations/<slug:slug>/rumours/<int:number>/"

urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/rumours/",
        RumourListApi.as_view(),
        name="api-rumour-list",
    ),
    path(_ONE, RumourDetailApi.as_view(), name="api-rumour-detail"),
    path(_ONE + "status/", RumourStatusApi.as_view(), name="api-rumour-status"),
    path(_ONE + "link/", RumourLinkApi.as_view(), name="api-rumour-link"),
    path(_ONE + "unlink/", RumourUnlinkApi.as_view(), name="api-rumour-unlink"),
    path(
        _ONE + "counter-message/",
        CounterMessageSaveApi.as_view(),
        name="api-rumour-counter-save",
    ),
    path(
        _ONE + "counter-message/submit/",
        CounterMessageSubmitApi.as_view(),
        name="api-rumour-counter-submit",
    ),
    path(
        _ONE + "counter-message/withdraw/",
        CounterMessageWithdrawApi.as_view(),
        name="api-rumour-counter-withdraw",
    ),
    path(
        _ONE + "counter-message/decide/",
        CounterMessageDecideApi.as_view(),
        name="api-rumour-counter-decide",
    ),
    path(_ONE + "relays/", RelayAddApi.as_view(), name="api-rumour-relay-add"),
]
