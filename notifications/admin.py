"""Admin: notification channels (the webhook URL is write-only) and the deliveries log.

A Slack webhook URL is a credential: the list shows only its host, the change page never
renders it back, and leaving the input blank on edit keeps the stored one. Deliveries are
read-only; failed ones can be sent again.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Channel, Delivery
from .services import channel_save, deliveries_retry
from .slack import webhook_masked


class ChannelForm(forms.ModelForm):
    webhook_url = forms.CharField(
        label=_("Slack webhook URL"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "https://hooks.slack.com/services/… Never shown again; leave blank to keep the"
            " stored one."
        ),
    )

    class Meta:
        model = Channel
        fields = ("name", "kind", "enabled", "workflow", "event_kinds", "webhook_url", "recipients")

    def clean_webhook_url(self) -> str:
        typed = (self.cleaned_data.get("webhook_url") or "").strip()
        # Blank keeps the stored URL (the input never shows it, so blank is the usual case).
        return typed or (self.instance.webhook_url if self.instance.pk else "")


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "kind", "enabled", "workflow", "kinds", "destination")
    list_filter = ("kind", "enabled")
    search_fields = ("name", "workflow")
    readonly_fields = ("stored_webhook", "created_at")
    fields = (
        "name",
        "kind",
        "enabled",
        "workflow",
        "event_kinds",
        "stored_webhook",
        "webhook_url",
        "recipients",
        "created_at",
    )

    @admin.display(description=_("event kinds"))
    def kinds(self, obj: Channel) -> str:
        return ", ".join(obj.event_kinds or [])

    @admin.display(description=_("destination"))
    def destination(self, obj: Channel) -> str:
        if obj.kind == Channel.Kind.SLACK:
            return webhook_masked(obj.webhook_url) or "-"
        return obj.recipients

    @admin.display(description=_("stored webhook"))
    def stored_webhook(self, obj: Channel) -> str:
        return webhook_masked(obj.webhook_url) or "-"

    def save_model(self, request, obj, form, change) -> None:
        channel_save(channel=obj)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "channel",
        "event_type",
        "workflow",
        "batch_id",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "event_type", "channel")
    search_fields = ("batch_id", "workflow", "subject")
    actions = ("send_again",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Send the selected failed notifications again"))
    def send_again(self, request, queryset) -> None:
        count = deliveries_retry(ids=list(queryset.values_list("id", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d notification will be sent again.",
                "%(count)d notifications will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
