"""Reference layers pages: the list with the upload form, one layer (edit, delete),
and each layer as GeoJSON for the map.

Everyone who sees the map (VIEW_MAP, liaisons included) sees the layers; uploading,
editing and deleting need MANAGE_LAYERS. The activation comes only from
``activation_get_for_user`` with the action the request needs. A refused upload or
edit renders the page again (400) with the reason next to the field.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activations.models import Activation
from activations.permissions import Action, activation_get_for_user, role_allows
from activations.views._common import activation_context
from mapping.forms.layers import LayerForm, LayerUploadForm
from mapping.models import ReferenceLayer
from mapping.selectors import layers as selectors
from mapping.services import layers as services
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

TAB = "map"
FEATURES_SHOWN = 100  # on a layer's page
# Which form field a service refusal belongs to.
ERROR_FIELDS = {
    "invalid_file": "file",
    "duplicate_name": "name",
    "invalid_colour": "colour",
}
GEOJSON_TYPE = "application/geo+json"


def _activation(
    request: AuthenticatedHttpRequest, slug: str, *, manage: bool
) -> Activation:
    action = Action.MANAGE_LAYERS if manage else Action.VIEW_MAP
    return activation_get_for_user(user=request.user, slug=slug, action=action)


def _layer(activation: Activation, layer_id: int) -> ReferenceLayer:
    layer = selectors.layer_get(activation=activation, layer_id=layer_id)
    if layer is None:
        raise Http404
    return layer


def _add_error(form: LayerForm, error: DomainError) -> None:
    field = ERROR_FIELDS.get(error.code)
    form.add_error(field if field in form.fields else None, error.message)


def _log_invalid(activation: Activation, form: LayerForm) -> None:
    logger.warning(
        "reference layer form refused in %s: %s",
        activation.slug,
        form.errors.get_json_data(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def layer_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The activation's layers; for MANAGE_LAYERS, the upload form (POST uploads)."""
    posting = request.method == "POST"
    activation = _activation(request, slug, manage=posting)
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    form: LayerUploadForm | None = None
    status = 200
    if posting:
        form = LayerUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                layer = services.layer_create(
                    activation=activation,
                    by=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    description=data["description"],
                    colour=data["colour"],
                    shown_by_default=data["shown_by_default"],
                    file_name=upload.name or "",
                    data=upload.read(),
                )
            except DomainError as exc:
                _add_error(form, exc)
            else:
                messages.success(
                    request,
                    _('Layer "%(name)s" added (%(n)s features).')
                    % {"name": layer.name, "n": layer.feature_count},
                )
                return redirect("mapping:layer-list", slug=activation.slug)
        else:
            _log_invalid(activation, form)
        status = 400
    elif context["can"][Action.MANAGE_LAYERS]:
        form = LayerUploadForm()
    context |= {"layers": selectors.layer_list(activation=activation), "form": form}
    return render(request, "mapping/layers.html", context, status=status)


def _layer_page(
    request: AuthenticatedHttpRequest,
    layer: ReferenceLayer,
    form: LayerForm | None,
    status: int = 200,
) -> HttpResponse:
    context = activation_context(
        user=request.user, activation=layer.activation, tab=TAB
    )
    context |= {
        "layer": layer,
        "form": form,
        "features": selectors.layer_features(layer=layer)[:FEATURES_SHOWN],
        "features_shown": min(layer.feature_count, FEATURES_SHOWN),
    }
    return render(request, "mapping/layer_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def layer_detail(
    request: AuthenticatedHttpRequest, slug: str, layer_id: int
) -> HttpResponse:
    """One layer: what it holds; for MANAGE_LAYERS, edit it (POST) or delete it
    (POST with ``delete``)."""
    posting = request.method == "POST"
    activation = _activation(request, slug, manage=posting)
    layer = _layer(activation, layer_id)
    if not posting:
        role = getattr(activation, "viewer_role", None)
        can_manage = role_allows(role, Action.MANAGE_LAYERS)
        form = LayerForm.for_layer(layer) if can_manage else None
        return _layer_page(request, layer, form)
    if "delete" in request.POST:
        services.layer_delete(layer=layer, by=request.user)
        messages.success(request, _('Layer "%(name)s" deleted.') % {"name": layer.name})
        return redirect("mapping:layer-list", slug=activation.slug)
    form = LayerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.layer_update(
                layer=layer,
                by=request.user,
                name=data["name"],
                kind=data["kind"],
                description=data["description"],
                colour=data["colour"],
                shown_by_default=data["shown_by_default"],
            )
        except DomainError as exc:
            _add_error(form, exc)
            layer.refresh_from_db()
        else:
            messages.success(request, _("Layer saved."))
            return redirect(
                "mapping:layer-detail", slug=activation.slug, layer_id=layer.pk
            )
    else:
        _log_invalid(activation, form)
    return _layer_page(request, layer, form, status=400)


@login_required
@require_GET
def layer_geojson(
    request: AuthenticatedHttpRequest, slug: str, layer_id: int
) -> JsonResponse:
    """The layer as a GeoJSON FeatureCollection (for the map page; VIEW_MAP)."""
    activation = _activation(request, slug, manage=False)
    layer = _layer(activation, layer_id)
    response = JsonResponse(
        selectors.layer_geojson(layer=layer), content_type=GEOJSON_TYPE
    )
    response["Cache-Control"] = "private, no-cache"
    return response
