"""BUYMA master data (brands, categories, colours, sizes, ...) and the learned mappings onto it.

The master tables are BUYMA's own lists as published to sellers, loaded from the CSVs shipped in
``markets/buyma/data/`` by ``master.buyma_master_load``; their primary keys are BUYMA's ids, so a
row is what the API expects in ``brand_id``, ``category_id``, ``options[].master_id``. Nothing but
the loader writes them.

``BuymaMapping`` is what CONVERT learned: a supplier value (normalized) and the BUYMA id it maps
to. Rows made by the rules are recorded with origin ``rule`` so a person can review them; a
person corrects or adds a row in the admin with origin ``human``, and a human row always wins.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class BuymaBrand(models.Model):
    """A BUYMA brand, named "Latin(カタカナ)" as BUYMA writes it. ``limited``: BUYMA restricts
    who may list it (see docs/buyma_convert.md, "Limited brands")."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    limited = models.BooleanField(default=False)

    class Meta:
        db_table = "yooini_buyma_brand"
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class BuymaCategory(models.Model):
    """A leaf category: ``paths`` is its parents joined by "/", ``name`` the leaf."""

    id = models.IntegerField(primary_key=True)
    paths = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    limited = models.BooleanField(default=False)

    class Meta:
        db_table = "yooini_buyma_category"
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.paths}/{self.name} ({self.id})"


class BuymaColor(models.Model):
    """A colour family (ブラック（黒）系, ...): the ``master_id`` of a colour option."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        db_table = "yooini_buyma_color"
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class BuymaSize(models.Model):
    """A size valid in one category. BUYMA reuses size ids across categories (2 is "S" in
    every letter-sized category), so the natural key is ``(category_id, size_id)``."""

    size_id = models.IntegerField()
    name = models.CharField(max_length=100)
    category_id = models.IntegerField()

    class Meta:
        db_table = "yooini_buyma_size"
        ordering = ("category_id", "size_id")
        constraints = [
            models.UniqueConstraint(
                fields=("category_id", "size_id"), name="yooini_buyma_size_category_size"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.size_id}) in category {self.category_id}"


class BuymaSeason(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        db_table = "yooini_buyma_season"
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class BuymaArea(models.Model):
    """A buying or shipping area (``buying_area_id``, ``shipping_area_id``)."""

    id = models.BigIntegerField(primary_key=True)
    continent = models.CharField(max_length=100)
    country = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "yooini_buyma_area"
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.continent}/{self.country}/{self.city} ({self.id})"


class BuymaShippingService(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    anonymous_delivery = models.BooleanField(default=False)

    class Meta:
        db_table = "yooini_buyma_shipping_service"
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class MappingKind(models.TextChoices):
    BRAND = "brand", "brand"
    CATEGORY = "category", "category"
    COLOR = "color", "colour family"
    SIZE = "size", "size"


class MappingOrigin(models.TextChoices):
    RULE = "rule", "rule (to review)"
    HUMAN = "human", "human"


class BuymaMapping(models.Model):
    """A supplier value mapped to a BUYMA id.

    ``source_value`` is normalized by ``mapping.normalize_key`` for brands and colours; for
    categories it is "<gender>|<product type>" or "<gender>|<mall category path>", for sizes
    "<category id>:<size>" (see docs/buyma_convert.md). ``target_id`` is a brand, category or
    colour id, or a size id valid in that category.
    """

    kind = models.CharField(max_length=16, choices=MappingKind.choices)
    source_value = models.CharField(max_length=255)
    target_id = models.IntegerField()
    origin = models.CharField(
        max_length=8, choices=MappingOrigin.choices, default=MappingOrigin.HUMAN
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "yooini_buyma_mapping"
        ordering = ("kind", "source_value")
        constraints = [
            models.UniqueConstraint(
                fields=("kind", "source_value"), name="yooini_buyma_mapping_kind_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_value!r} -> {self.target_id} ({self.origin})"

    def clean(self) -> None:
        """The target must exist in the master data (for a size: in the category the
        source value names)."""
        target_exists = {
            MappingKind.BRAND.value: lambda: BuymaBrand.objects.filter(id=self.target_id).exists(),
            MappingKind.CATEGORY.value: lambda: BuymaCategory.objects.filter(
                id=self.target_id
            ).exists(),
            MappingKind.COLOR.value: lambda: BuymaColor.objects.filter(id=self.target_id).exists(),
        }
        if self.kind == MappingKind.SIZE:
            category, sep, _ = (self.source_value or "").partition(":")
            if not sep or not category.isdigit():
                raise ValidationError(
                    {"source_value": "a size mapping is '<category id>:<size>', e.g. '3260:m'"}
                )
            if (
                self.target_id != 0
                and not BuymaSize.objects.filter(
                    category_id=int(category), size_id=self.target_id
                ).exists()
            ):
                raise ValidationError(
                    {"target_id": f"size {self.target_id} is not a size of category {category}"}
                )
        elif (
            self.kind in target_exists
            and self.target_id is not None
            and not target_exists[self.kind]()
        ):
            raise ValidationError({"target_id": f"no BUYMA {self.kind} with id {self.target_id}"})
