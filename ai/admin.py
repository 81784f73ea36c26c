"""Admin: the translation cache, read-only except for a person's correction of ``text``.

Saving a changed ``text`` goes through ``services.translation_correct``: the row is marked
``corrected_by_human`` (with who and when) and from then on wins over any provider's answer for
the same text. Rows are made by ``translate_many`` only, never added here; deleting one just
means the text is translated again next time.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .models import CachedTranslation
from .services import translation_correct


class CorrectionForm(forms.ModelForm):
    text = forms.CharField(
        label="Translation",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Your translation; saving it marks the row corrected by a person, and it is "
        "used for this text from now on.",
    )

    class Meta:
        model = CachedTranslation
        fields = ("text",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.text and self.instance.draft:
            self.initial["text"] = self.instance.draft  # start from the provider's best effort


@admin.register(CachedTranslation)
class CachedTranslationAdmin(admin.ModelAdmin):
    form = CorrectionForm
    list_display = (
        "source_text_short",
        "text_short",
        "provider",
        "needs_human",
        "corrected_by_human",
        "created_at",
    )
    list_filter = ("needs_human", "corrected_by_human", "provider", "source_lang", "target_lang")
    search_fields = ("source_text", "text", "draft")
    readonly_fields = (
        "source_text",
        "draft",
        "provider",
        "source_lang",
        "target_lang",
        "glossary",
        "needs_human",
        "corrected_by_human",
        "corrected_by",
        "corrected_at",
        "created_at",
        "key",
    )
    fieldsets = (
        (None, {"fields": ("source_text", "draft", "text")}),
        (
            "Where it came from",
            {
                "fields": (
                    "provider",
                    "source_lang",
                    "target_lang",
                    "glossary",
                    "needs_human",
                    "corrected_by_human",
                    "corrected_by",
                    "corrected_at",
                    "created_at",
                    "key",
                )
            },
        ),
    )

    @admin.display(description="source")
    def source_text_short(self, obj: CachedTranslation) -> str:
        return _short(obj.source_text)

    @admin.display(description="translation")
    def text_short(self, obj: CachedTranslation) -> str:
        return _short(obj.text or "")

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj: CachedTranslation, form, change: bool) -> None:
        if change and "text" in form.changed_data:
            by = request.user.get_username() if request.user.is_authenticated else ""
            translation_correct(translation=obj, text=form.cleaned_data["text"], by=by)
        # Nothing else on the page is editable: an unchanged form writes nothing.


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
