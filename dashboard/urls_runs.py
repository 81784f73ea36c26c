from django.urls import path
from django.views.generic import TemplateView

page = TemplateView.as_view(template_name="dashboard/base.html")
urlpatterns = [
    path("", page, name="overview"),
    path("batches/", page, name="batches"),
    path("trigger/", page, name="trigger"),
    path("events/", page, name="events"),
]
