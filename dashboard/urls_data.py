from django.urls import path
from django.views.generic import TemplateView

page = TemplateView.as_view(template_name="dashboard/base.html")
urlpatterns = [
    path("data/", page, name="source_data"),
    path("listings/", page, name="listings"),
]
