"""The REST API under ``/api/``: each app's endpoints, the OpenAPI schema and its docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from markets.api import ListingDetailView, ListingListView
from orchestrator.api import urlpatterns as orchestrator_urls
from orders.api import (
    OrderLineCancelView,
    OrderLineDetailView,
    OrderLineListView,
    OrderLineTrackingView,
)
from pokervod.api import urlpatterns as pokervod_urls
from reports.api import ReportDetailView, ReportListView
from source_data.api import MarketSummaryView, SourceDataDetailView, SourceDataListView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *orchestrator_urls,
    path("source-data/", SourceDataListView.as_view(), name="api-source-data"),
    path("source-data/markets/", MarketSummaryView.as_view(), name="api-source-data-markets"),
    path("source-data/<int:pk>/", SourceDataDetailView.as_view(), name="api-source-data-detail"),
    path("listings/", ListingListView.as_view(), name="api-listings"),
    path("listings/<int:pk>/", ListingDetailView.as_view(), name="api-listing"),
    path("orders/", OrderLineListView.as_view(), name="api-orders"),
    path("orders/<int:pk>/", OrderLineDetailView.as_view(), name="api-order"),
    path("orders/<int:pk>/tracking/", OrderLineTrackingView.as_view(), name="api-order-tracking"),
    path("orders/<int:pk>/cancel/", OrderLineCancelView.as_view(), name="api-order-cancel"),
    path("reports/", ReportListView.as_view(), name="api-reports"),
    path("reports/<str:batch_id>/", ReportDetailView.as_view(), name="api-report"),
    *pokervod_urls,
]
