"""Writes on reference layers: upload (with its features), edit, delete.

Callers have checked MANAGE_LAYERS through ``activations.permissions``. Each
function is atomic: a refused file, a taken name or a bad colour raises
``DomainError`` and leaves nothing behind. Refusals are logged (warning); every
change is written to the activation log.
"""

from __future__ import annotations

import logging
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import Activation
from activations.services._common import _clean, log
from mapping.geoio import (
    DEFAULT_LIMITS,
    LayerFeature,
    LayerFileError,
    Limits,
    features_from_upload,
)
from mapping.models import ReferenceFeature, ReferenceLayer
from vost.exceptions import DomainError

logger = logging.getLogger(__name__)

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_DESCRIPTION = 2000
BATCH = 1000


def _refuse(message: str, *, code: str, activation: Activation) -> DomainError:
    """The error to raise, logged: a refused layer is worth a line in the logs."""
    logger.warning(
        "reference layer refused in %s (%s): %r", activation.slug, code, message
    )
    return DomainError(message, code=code)


def _check_fields(
    *,
    activation: Activation,
    name: str,
    colour: str,
    description: str,
    layer_id: int | None = None,
) -> None:
    """Refuse a name taken in the activation (any case), a colour that is not
    #rrggbb, an overlong description."""
    taken = ReferenceLayer.objects.filter(activation=activation, name__iexact=name)
    if layer_id is not None:
        taken = taken.exclude(pk=layer_id)
    if taken.exists():
        raise _refuse(
            _('A layer named "%(name)s" already exists in this activation.')
            % {"name": name},
            code="duplicate_name",
            activation=activation,
        )
    if not COLOUR.match(colour):
        raise _refuse(
            _("The colour must be written #rrggbb (for example #6a3d9a)."),
            code="invalid_colour",
            activation=activation,
        )
    if len(description) > MAX_DESCRIPTION:
        raise _refuse(
            _("The description is too long (at most %(n)s characters).")
            % {"n": MAX_DESCRIPTION},
            code="invalid",
            activation=activation,
        )


def _parse(
    *, activation: Activation, file_name: str, data: bytes, limits: Limits
) -> list[LayerFeature]:
    try:
        return features_from_upload(file_name=file_name, data=data, limits=limits)
    except LayerFileError as exc:
        raise _refuse(str(exc), code="invalid_file", activation=activation) from exc


def _save_layer(layer: ReferenceLayer) -> None:
    """Save, turning a name taken meanwhile (by a concurrent upload) into DomainError."""
    try:
        with transaction.atomic():  # a savepoint: the outer transaction stays usable
            layer.save()
    except IntegrityError as exc:
        raise _refuse(
            _('A layer named "%(name)s" already exists in this activation.')
            % {"name": layer.name},
            code="duplicate_name",
            activation=layer.activation,
        ) from exc


@transaction.atomic
def layer_create(
    *,
    activation: Activation,
    by: User,
    name: str,
    kind: str,
    description: str = "",
    colour: str = "#6a3d9a",
    shown_by_default: bool = True,
    file_name: str,
    data: bytes,
    limits: Limits = DEFAULT_LIMITS,
) -> ReferenceLayer:
    """Read the uploaded file and store it as a layer of the activation with its
    features. Refused (DomainError, nothing created): a file mapping.geoio refuses
    (code ``invalid_file``), a name already taken (``duplicate_name``), a bad colour."""
    name = name.strip()
    colour = colour.strip().lower()
    description = description.strip()
    _check_fields(
        activation=activation, name=name, colour=colour, description=description
    )
    layer = ReferenceLayer(
        activation=activation,
        name=name,
        kind=kind,
        description=description,
        colour=colour,
        shown_by_default=shown_by_default,
        source_name=file_name.replace("\\", "/").rsplit("/", 1)[-1][:255],
        uploaded_by=by,
    )
    _clean(layer, validate_constraints=False)
    features = _parse(
        activation=activation, file_name=file_name, data=data, limits=limits
    )
    layer.feature_count = len(features)
    _save_layer(layer)
    ReferenceFeature.objects.bulk_create(
        (
            ReferenceFeature(
                layer=layer,
                geometry=feature.geometry,
                name=feature.name,
                properties=feature.properties,
            )
            for feature in features
        ),
        batch_size=BATCH,
    )
    log(
        activation=activation,
        text=_('Reference layer "%(name)s" added from %(file)s (%(n)s features).')
        % {"name": name, "file": layer.source_name, "n": len(features)},
        author=by,
    )
    return layer


@transaction.atomic
def layer_update(
    *,
    layer: ReferenceLayer,
    by: User,
    name: str,
    kind: str,
    description: str,
    colour: str,
    shown_by_default: bool,
) -> ReferenceLayer:
    """Change how a layer is named, described and shown (its features stay).
    Refused like layer_create; logged only when something changed."""
    activation = layer.activation
    name = name.strip()
    colour = colour.strip().lower()
    description = description.strip()
    _check_fields(
        activation=activation,
        name=name,
        colour=colour,
        description=description,
        layer_id=layer.pk,
    )
    old_name = layer.name
    changes = {
        "name": name,
        "kind": kind,
        "description": description,
        "colour": colour,
        "shown_by_default": shown_by_default,
    }
    changed = [key for key, value in changes.items() if getattr(layer, key) != value]
    if not changed:
        return layer
    for key in changed:
        setattr(layer, key, changes[key])
    _clean(layer, validate_constraints=False)
    _save_layer(layer)
    labels = ", ".join(
        str(getattr(ReferenceLayer._meta.get_field(key), "verbose_name", key))
        for key in changed
    )
    log(
        activation=activation,
        text=_('Reference layer "%(name)s" edited: %(fields)s.')
        % {"name": old_name, "fields": labels},
        author=by,
    )
    return layer


@transaction.atomic
def layer_delete(*, layer: ReferenceLayer, by: User) -> None:
    """Delete a layer and its features; logged."""
    activation, name, count = layer.activation, layer.name, layer.feature_count
    layer.delete()
    log(
        activation=activation,
        text=_('Reference layer "%(name)s" removed (%(n)s features).')
        % {"name": name, "n": count},
        author=by,
    )
