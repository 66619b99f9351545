"""The workspace part of the demo: one urgent item waiting for the liaison's
acknowledgement, one case waiting for its second reviewer, one rumour whose
counter-message waits for the authority. Made through the real services, as the
demo volunteers would, so every page has something to show at once."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from activations.models import Activation
from monitoring import services as monitoring_services
from monitoring import triage
from monitoring.models import Cluster, Platform, Post, TriageDecision
from monitoring.pipeline.types import RawPost
from verification.models import Case, Evidence, Rumour
from verification.services import cases, rumours

logger = logging.getLogger(__name__)

_POSTS = {
    "urgent": (
        "Une famille avec deux enfants est bloquée sur le toit de sa maison rue des "
        "Aubes à Lattes, l'eau monte très vite, ils ne peuvent pas sortir !! #crue",
        "Marine R.",
        (3.905, 43.567),
    ),
    "verify": (
        "Photo : le pont de la Mosson à Juvignac se serait effondré ce matin, "
        "surtout ne passez pas par là #Montpellier",
        "Actu Hérault Direct",
        (3.808, 43.614),
    ),
    "rumour": (
        "On dit que le barrage du Salagou a cédé et que toute la vallée va être "
        "inondée dans l'heure, partagez !!!",
        "Jo34",
        None,
    ),
}


def _item(activation: Activation, key: str) -> Cluster | None:
    text, author, geo = _POSTS[key]
    external_id = f"demo-workspace-{key}"
    monitoring_services.posts_ingest(
        activation=activation,
        posts=[
            RawPost(
                platform=Platform.MASTODON,
                external_id=external_id,
                text=text,
                posted_at=timezone.now() - dt.timedelta(minutes=12),
                url=f"https://mastodon.example/@demo/{key}",
                author_handle=f"@{author.replace(' ', '').lower()}@mastodon.example",
                author_name=author,
                author_meta={"followers": 340, "verified": False},
                lang_hint="fr",
                geo=geo,
            )
        ],
    )
    post = Post.objects.filter(
        activation=activation, platform=Platform.MASTODON, external_id=external_id
    ).first()
    return post.cluster if post is not None else None


def _decide(
    activation: Activation,
    cluster: Cluster,
    user: User,
    kind: str,
    note: str,
    category: str = "",
) -> None:
    """Give the item to `user` (as "Next" would) and record their decision."""
    token = uuid.uuid4()
    Cluster.objects.filter(pk=cluster.pk).update(
        status=Cluster.Status.IN_TRIAGE,
        claimed_by=user,
        claim_token=token,
        lease_expires_at=timezone.now() + dt.timedelta(minutes=5),
    )
    triage.item_decide(
        activation=activation,
        cluster_id=cluster.pk,
        user=user,
        token=token,
        kind=kind,
        category=category or ("request" if kind == TriageDecision.Kind.URGENT else ""),
        note=note,
    )


def demo_workspace_seed(activation: Activation, users: dict[str, User]) -> None:
    """Idempotent: does nothing once the demo activation has any decision. The demo
    team works in French, so the history it writes is in French."""
    if TriageDecision.objects.filter(activation=activation).exists():
        return
    with translation.override("fr"), transaction.atomic():
        _seed(activation, users)


def _seed(activation: Activation, users: dict[str, User]) -> None:
    volunteer = users.get("benevole")
    lead = users.get("chef-equipe")
    if volunteer is None or lead is None:
        return
    urgent = _item(activation, "urgent")
    if urgent is not None:
        _decide(
            activation,
            urgent,
            volunteer,
            TriageDecision.Kind.URGENT,
            "Famille avec enfants sur un toit à Lattes, rue des Aubes.",
        )
    to_verify = _item(activation, "verify")
    if to_verify is not None:
        _decide(
            activation,
            to_verify,
            volunteer,
            TriageDecision.Kind.VERIFY,
            "Le pont de la Mosson à Juvignac s'est-il effondré ?",
        )
        case = Case.objects.filter(cluster=to_verify).first()
        if case is not None:
            case = cases.case_start(case=case, by=volunteer)
            cases.evidence_add(
                case=case,
                by=volunteer,
                kind=Evidence.Kind.REVERSE_IMAGE,
                finding=Evidence.Finding.CONTRADICTS,
                url="https://tineye.com/",
                note="La photo circule depuis les crues de 2014 (Lamalou-les-Bains).",
            )
            cases.evidence_add(
                case=case,
                by=volunteer,
                kind=Evidence.Kind.OFFICIAL,
                finding=Evidence.Finding.CONTRADICTS,
                note="Le CODIS confirme que le pont est fermé mais intact.",
            )
            case.refresh_from_db()
            cases.case_propose_verdict(
                case=case,
                by=volunteer,
                status=Case.Status.FALSE,
                note="Photo ancienne, pont intact selon le CODIS.",
                version=case.version,
            )
    rumour_item = _item(activation, "rumour")
    if rumour_item is not None:
        rumour = rumours.rumour_create(
            activation=activation,
            by=lead,
            claim="Le barrage du Salagou aurait cédé.",
            cluster_ids=[rumour_item.pk],
        )
        rumour = rumours.rumour_set_status(
            rumour=rumour,
            by=lead,
            status=Rumour.Status.DEBUNKED,
            version=rumour.version,
            note="La préfecture confirme : le barrage est intact et surveillé.",
        )
        rumour = rumours.counter_message_save(
            rumour=rumour,
            by=lead,
            text=(
                "#Crue34 Le barrage du Salagou n'a PAS cédé : il est intact et "
                "surveillé. Informez-vous auprès de @prefet34 et ne relayez pas les "
                "rumeurs."
            ),
            version=rumour.version,
        )
        rumours.counter_message_submit(rumour=rumour, by=lead, version=rumour.version)
    logger.info("demo: workspace examples created")
