from django.urls import path

from . import views_reports

urlpatterns = [
    path("reports/", views_reports.report_list, name="reports"),
    path("reports/<str:batch_id>/", views_reports.report_detail, name="report"),
]
