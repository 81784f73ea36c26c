"""The engine's REST endpoints (mounted under ``/api/`` by ``yooini.api_urls``)."""

from django.urls import path

from .batches import (
    BatchCancelView,
    BatchDetailView,
    BatchListView,
    BatchResumeView,
    BatchRetryView,
)
from .cells import BatchGridView, CellDetailView
from .events import EventListView
from .schedules import ScheduleDetailView, ScheduleListView
from .status import StatusView, SyncView, WorkflowListView

urlpatterns = [
    path("workflows/", WorkflowListView.as_view(), name="api-workflows"),
    path("batches/", BatchListView.as_view(), name="api-batches"),
    path("batches/<slug:batch_id>/", BatchDetailView.as_view(), name="api-batch"),
    path("batches/<slug:batch_id>/grid/", BatchGridView.as_view(), name="api-batch-grid"),
    path(
        "batches/<slug:batch_id>/cells/<int:cell_id>/",
        CellDetailView.as_view(),
        name="api-batch-cell",
    ),
    path("batches/<slug:batch_id>/resume/", BatchResumeView.as_view(), name="api-batch-resume"),
    path("batches/<slug:batch_id>/retry/", BatchRetryView.as_view(), name="api-batch-retry"),
    path("batches/<slug:batch_id>/cancel/", BatchCancelView.as_view(), name="api-batch-cancel"),
    path("events/", EventListView.as_view(), name="api-events"),
    path("schedules/", ScheduleListView.as_view(), name="api-schedules"),
    path("schedules/<str:name>/", ScheduleDetailView.as_view(), name="api-schedule"),
    path("orchestrator/status", StatusView.as_view(), name="api-status"),
    path("orchestrator/sync", SyncView.as_view(), name="api-sync"),
]
