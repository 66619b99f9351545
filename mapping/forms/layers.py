"""Forms of the reference layers pages: upload a file, edit a layer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from mapping.geoio import DEFAULT_LIMITS, SUFFIXES, file_suffix
from mapping.models import ReferenceLayer
from mapping.services.layers import COLOUR, MAX_DESCRIPTION

MAX_MB = DEFAULT_LIMITS.max_bytes // (1024 * 1024)


class LayerForm(forms.Form):
    """How a layer is named, described and drawn."""

    name = forms.CharField(
        label=_("name"),
        max_length=ReferenceLayer._meta.get_field("name").max_length,
        help_text=_("Unique in the activation, e.g. Sectors of the fire brigade."),
    )
    kind = forms.ChoiceField(label=_("kind"), choices=ReferenceLayer.Kind.choices)
    colour = forms.CharField(
        label=_("colour"),
        initial="#6a3d9a",
        max_length=7,
        validators=[
            RegexValidator(
                COLOUR,
                message=_("Write the colour as #rrggbb (for example #6a3d9a)."),
                code="invalid_colour",
            )
        ],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    description = forms.CharField(
        label=_("description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where it comes from, how current it is."),
    )
    shown_by_default = forms.BooleanField(
        label=_("shown when the map opens"), required=False, initial=True
    )

    @classmethod
    def for_layer(cls, layer: ReferenceLayer, **kwargs: Any) -> LayerForm:
        """The form filled with the layer's current values."""
        return cls(
            initial={
                "name": layer.name,
                "kind": layer.kind,
                "colour": layer.colour,
                "description": layer.description,
                "shown_by_default": layer.shown_by_default,
            },
            **kwargs,
        )


class LayerUploadForm(LayerForm):
    """A new layer from a GeoJSON, KML or KMZ file (read by the service)."""

    file = forms.FileField(
        label=_("file"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )

    field_order = ["file", "name", "kind", "colour", "description", "shown_by_default"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, not at import: translated in the language of the request.
        self.fields["file"].help_text = _(
            "GeoJSON, KML or KMZ, at most %(mb)s MB, coordinates in WGS 84 "
            "longitude/latitude (EPSG:4326)."
        ) % {"mb": MAX_MB}

    def clean_file(self) -> UploadedFile[bytes]:
        """Refuse an unknown extension or an oversized file before reading it."""
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        if file_suffix(upload.name or "") not in SUFFIXES:
            raise forms.ValidationError(
                _("Unsupported file type: use GeoJSON (.geojson, .json), KML or KMZ."),
                code="file_type",
            )
        if (upload.size or 0) > DEFAULT_LIMITS.max_bytes:
            raise forms.ValidationError(
                _("The file is too large (at most %(mb)s MB).") % {"mb": MAX_MB},
                code="file_size",
            )
        return upload
