"""A small urlconf for the webhook tests (the project's urls may not include markets yet)."""

from django.urls import include, path

urlpatterns = [path("", include("markets.urls"))]
