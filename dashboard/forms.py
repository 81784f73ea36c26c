"""The dashboard's forms: triggering a run (workflow, mode, params)."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from orchestrator.core.workflow import registry


class TriggerForm(forms.Form):
    """Which workflow to run, in which mode, with which params; ``new`` starts a second batch
    even if one of the workflow is running (otherwise that one is resumed)."""

    workflow = forms.ChoiceField(label=_("Workflow"))
    mode = forms.CharField(
        label=_("Mode"),
        required=False,
        widget=forms.Select,
        help_text=_("Empty: the workflow's default mode."),
    )
    params = forms.CharField(
        label=_("Parameters (JSON object)"),
        required=False,
        initial="{}",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60, "spellcheck": "false"}),
    )
    new = forms.BooleanField(
        label=_("Start a new batch even if one is running"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        workflows = registry.workflows()
        self.fields["workflow"].choices = [(w.name, w.name) for w in workflows]
        chosen = self.data.get("workflow") if self.is_bound else self.initial.get("workflow")
        self.fields["mode"].widget.choices = mode_choices(
            chosen or (workflows[0].name if workflows else "")
        )

    def clean_params(self) -> dict:
        raw = (self.cleaned_data.get("params") or "").strip() or "{}"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Parameters are not valid JSON: %(error)s"), params={"error": exc}
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Parameters must be a JSON object, like {}."))
        return value

    def clean(self):
        cleaned = super().clean()
        name, mode = cleaned.get("workflow"), cleaned.get("mode")
        if name and mode:
            try:
                modes = registry.get(name).modes
            except KeyError:
                modes = []
            if mode not in modes:
                self.add_error(
                    "mode",
                    _("Workflow %(workflow)s has no mode %(mode)s (modes: %(modes)s).")
                    % {"workflow": name, "mode": mode, "modes": ", ".join(modes)},
                )
        return cleaned


def mode_choices(workflow_name: str) -> list[tuple[str, str]]:
    """The mode select's options for a workflow: its default first (the empty value)."""
    try:
        workflow = registry.get(workflow_name)
    except KeyError:
        return [("", _("default"))]
    return [("", _("default (%(mode)s)") % {"mode": workflow.default_mode})] + [
        (m, m) for m in workflow.modes
    ]
