from django.urls import path

from .webhooks import supplier_webhook

app_name = "suppliers"
urlpatterns = [
    path("hooks/suppliers/<str:name>/", supplier_webhook, name="webhook"),
]
