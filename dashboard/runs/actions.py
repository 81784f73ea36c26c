"""An operator's buttons on a batch: resume, retry failed cells (all or one), cancel.

Each is a POST (CSRF-checked) that calls one engine service and goes back to the batch page
with a message; the running dispatcher picks the change up from the database.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from access.decorators import role_required
from access.roles import Role
from orchestrator.models import Batch, StageRun
from orchestrator.services.batches import BatchConflict, batch_cancel, batch_resume, batch_retry


@require_POST
@role_required(Role.OPERATOR)
def resume(request, batch_id: str):
    _batch_or_404(batch_id)
    try:
        batch_resume(batch_id, actor=_actor(request))
    except BatchConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Batch %(id)s resumed.") % {"id": batch_id})
    return redirect("dashboard:batch", batch_id)


@require_POST
@role_required(Role.OPERATOR)
def retry(request, batch_id: str):
    _batch_or_404(batch_id)
    return _retry(request, batch_id)


@require_POST
@role_required(Role.OPERATOR)
def retry_cell(request, batch_id: str, cell_id: int):
    found = StageRun.objects.filter(id=cell_id, batch_id=batch_id).values("stage", "partition")
    cell = found.first()
    if cell is None:
        raise Http404(_("No such cell in this batch."))
    return _retry(request, batch_id, stage=cell["stage"], partition=cell["partition"])


@require_POST
@role_required(Role.OPERATOR)
def cancel(request, batch_id: str):
    _batch_or_404(batch_id)
    batch = batch_cancel(batch_id, actor=_actor(request))
    messages.success(
        request,
        _("Batch %(id)s is %(status)s; running cells finish first.")
        % {"id": batch.id, "status": batch.status},
    )
    return redirect("dashboard:batch", batch_id)


def _retry(request, batch_id: str, **scope):
    """Retry the batch's failed cells (within ``scope``), and say how many will run again."""
    try:
        count = batch_retry(batch_id, actor=_actor(request), **scope)
    except (BatchConflict, KeyError) as exc:
        messages.error(request, str(exc))
        return redirect("dashboard:batch", batch_id)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d failed cell will run again.",
                "%(count)d failed cells will run again.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("Nothing to retry: no cell can run again yet."))
    return redirect("dashboard:batch", batch_id)


def _actor(request) -> str:
    """Who pressed the button, as recorded on the event: the signed-in user's name."""
    return request.user.get_username()


def _batch_or_404(batch_id: str) -> Batch:
    return get_object_or_404(Batch, id=batch_id)
