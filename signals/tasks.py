"""Beat task of the signals app: burst detection every minute, per activation."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="signals.detect", soft_time_limit=50, time_limit=55)
def detect() -> int:
    """Fan out one detection per active activation (crisis, exercise or watch)."""
    from activations.models import Activation

    ids = list(
        Activation.objects.filter(status=Activation.Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    for activation_id in ids:
        detect_activation.delay(activation_id)
    return len(ids)


@shared_task(name="signals.detect_activation", soft_time_limit=50, time_limit=55)
def detect_activation(activation_id: int) -> int:
    """Run detection now for one activation; a repeat is harmless (idempotent)."""
    from activations.models import Activation
    from signals import services

    activation = Activation.objects.filter(
        pk=activation_id, status=Activation.Status.ACTIVE
    ).first()
    if activation is None:
        logger.info("signals: activation %s no longer active", activation_id)
        return 0
    return len(services.signals_detect(activation=activation))
