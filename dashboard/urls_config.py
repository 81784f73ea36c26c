from django.urls import path

from . import views_config

urlpatterns = [
    path("schedules/", views_config.schedule_list, name="schedules"),
    path("schedules/<int:pk>/edit/", views_config.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/enabled/", views_config.schedule_toggle, name="schedule_toggle"),
    path("resources/", views_config.resource_list, name="resources"),
    # <path:> because resource names may hold any character but the final "/edit/" is ours.
    path("resources/<path:name>/edit/", views_config.resource_edit, name="resource_edit"),
    path(
        "resources/<path:name>/reset/",
        views_config.resource_breaker_reset,
        name="resource_breaker_reset",
    ),
]
