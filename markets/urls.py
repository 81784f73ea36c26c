"""Routes of markets: BUYMA's webhook (include this module from the project's urls)."""

from django.urls import path

from .webhooks import buyma_webhook

app_name = "markets"
urlpatterns = [
    path("hooks/buyma/<str:name>/", buyma_webhook, name="buyma-webhook"),
]
