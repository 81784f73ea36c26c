from django.urls import path
from django.views.generic import TemplateView

page = TemplateView.as_view(template_name="dashboard/base.html")
urlpatterns = [
    path("schedules/", page, name="schedules"),
    path("resources/", page, name="resources"),
]
