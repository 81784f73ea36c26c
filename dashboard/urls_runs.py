"""The run pages: overview, batches and their grid, actions, trigger, events."""

from django.urls import path

from .runs import actions, batches, events, overview, timeline, trigger

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("batches/", batches.batches, name="batches"),
    path("batches/<str:batch_id>/", batches.batch_page, name="batch"),
    path("batches/<str:batch_id>/grid/", batches.batch_grid_fragment, name="batch_grid"),
    path("batches/<str:batch_id>/cells/<int:cell_id>/", batches.cell, name="cell"),
    path("batches/<str:batch_id>/cells/<int:cell_id>/page/", batches.cell_page, name="cell_page"),
    path("batches/<str:batch_id>/timeline/", timeline.timeline, name="batch_timeline"),
    path(
        "batches/<str:batch_id>/cells/<int:cell_id>/retry/",
        actions.retry_cell,
        name="cell_retry",
    ),
    path("batches/<str:batch_id>/resume/", actions.resume, name="batch_resume"),
    path("batches/<str:batch_id>/retry/", actions.retry, name="batch_retry"),
    path("batches/<str:batch_id>/cancel/", actions.cancel, name="batch_cancel"),
    path("trigger/", trigger.trigger, name="trigger"),
    path("trigger/modes/", trigger.trigger_modes, name="trigger_modes"),
    path("events/", events.events, name="events"),
]
