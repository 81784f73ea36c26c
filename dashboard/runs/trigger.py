"""Triggering a run from the browser (operators): the form, and its mode options by workflow."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from access.decorators import role_required
from access.roles import Role
from orchestrator.services.batches import BatchConflict, batch_start

from ..forms import TriggerForm, mode_choices


@role_required(Role.OPERATOR)
def trigger(request):
    form = TriggerForm(request.POST or None, initial={"workflow": request.GET.get("workflow")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = batch_start(
                data["workflow"],
                mode=data["mode"] or None,
                params=data["params"],
                new=data["new"],
            )
        except BatchConflict as exc:
            form.add_error(None, str(exc))
        except (KeyError, ValueError) as exc:  # unknown workflow or mode, no partitions
            form.add_error(None, str(exc).strip("\"'"))
        else:
            batch = started.batch
            if started.resumed:
                text = _("Batch %(id)s of %(workflow)s was already running: resumed.")
            else:
                text = _("Batch %(id)s of %(workflow)s started.")
            messages.success(request, text % {"id": batch.id, "workflow": batch.workflow})
            return redirect("dashboard:batch", batch.id)
    return render(request, "dashboard/trigger.html", {"form": form})


@role_required(Role.OPERATOR)
def trigger_modes(request):
    """The ``<option>``s of the mode select for the chosen workflow (htmx swaps them in)."""
    return render(
        request,
        "dashboard/_mode_options.html",
        {"choices": mode_choices(request.GET.get("workflow", ""))},
    )
