"""The map's exports page: ask for an export, follow its progress, download it.

Exports are built in the background (mapping.build_export); the list polls every
two seconds through htmx while one is queued or running (the same URL answers
the full page, or the list alone for htmx).
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from activations.models import ActivationMember
from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context
from audit import services as audit
from mapping.forms.exports import MapExportForm
from mapping.models import MapExport
from mapping.selectors import exports as selectors
from mapping.services import exports as services
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

TAB = "map"
POLL_SECONDS = 2


def export_file_response(export: MapExport) -> FileResponse:
    """The built export as an attachment (Http404 if it has no file)."""
    try:
        file = services.export_open(export)
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        file.handle,
        as_attachment=True,
        filename=file.filename,
        content_type=file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def export_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The request form and the activation's recent exports with their progress."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.EXPORT_MAP
    )
    can_name_authors = (
        getattr(activation, "viewer_role", None) == ActivationMember.Role.COORDINATOR
    )
    form = MapExportForm(
        request.POST if request.method == "POST" else None,
        can_name_authors=can_name_authors,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                export = services.export_request(
                    activation=activation, by=request.user, **form.service_arguments()
                )
            except DomainError as exc:
                logger.warning("map export refused in %s: %s", slug, exc.message)
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("Your export is being prepared; it will be ready below."),
                )
                url = reverse("mapping:export-list", args=[activation.slug])
                return redirect(f"{url}#export-{export.pk}")
        else:
            logger.warning(
                "invalid map export request in %s: %s", slug, form.errors.as_json()
            )
            status = 400
    exports = selectors.map_exports_list(activation=activation)
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context |= {
        "form": form,
        "exports": exports,
        "polling": any(e.status in selectors.PENDING for e in exports),
        "poll_seconds": POLL_SECONDS,
    }
    template = "mapping/exports.html"
    if request.method == "GET" and request.htmx:
        template += "#export-list"
    response = render(request, template, context, status=status)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@never_cache
@require_GET
def export_download(
    request: AuthenticatedHttpRequest, slug: str, export_id: int
) -> FileResponse:
    """A built export's file, as an attachment; 404 while it is not ready."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.EXPORT_MAP
    )
    export = selectors.map_export_get(activation=activation, export_id=export_id)
    if export is None or export.status != MapExport.Status.DONE:
        raise Http404
    response = export_file_response(export)
    audit.record_request(
        request,
        action=audit.Action.EXPORT,
        activation=activation,
        obj=export,
        summary=f"downloaded format={export.format} pseudonymised={export.pseudonymise}",
    )
    return response
