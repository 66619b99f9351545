"""Forms of the after-action review page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from closure.services import MAX_LESSONS


class LessonsForm(forms.Form):
    lessons_learned = forms.CharField(
        label=_("Lessons learned"),
        required=False,
        max_length=MAX_LESSONS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What worked, what did not, what to change before the next activation."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
