"""What the PRICE stage prices with: rules per scope, a dated FX table, competitor prices.

- ``PricingRule``: the figures of ``PricingInput`` that are a choice rather than a fact of the
  item (fee, shipping, duty, margins, undercut, rounding). A rule applies to everything, to a
  supplier, to a brand or to a supplier + brand; the most specific enabled rule is used whole
  (fields are not merged across rules, so one rule explains a price on its own).
- ``FxRate``: how many won one yen costs from a day on; a price uses the rate in effect on its
  day, so yesterday's decisions can be explained with yesterday's rate.
- ``CompetitorPrice``: the cheapest rival listing per model number, one row per model number,
  overwritten on every look-up. The decision stored with a listing already copies the
  competitor price it used, so keeping every hourly look-up here (10,000 products x 24 a day)
  would only grow a table nobody reads.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from pricing.errors import PricingInputError
from pricing.inputs import Margin, MarginRate, MarginYen, PricingInput
from pricing.rounding import Rounding, RoundingDirection

SUPPLIER_MAX = 50  # the length of a supplier's name
BRAND_MAX = 100
MODEL_NUMBER_MAX = 200

# A KRW/JPY rate outside this range is a typing error, most likely the inverse (yen per won,
# about 0.11): priced with it, every item would be listed at a hundredth of its cost.
KRW_PER_JPY_MIN = Decimal(1)
KRW_PER_JPY_MAX = Decimal(100)


class MarginKind(models.TextChoices):
    RATE = "rate", "rate of the sale price"
    YEN = "yen", "fixed yen"


class RuleScope(models.TextChoices):
    DEFAULT = "default", "default"
    SUPPLIER = "supplier", "supplier"
    BRAND = "brand", "brand"
    SUPPLIER_BRAND = "supplier+brand", "supplier + brand"


def brand_key(brand: str) -> str:
    """The form brands are matched in: case and surrounding or repeated spaces do not count."""
    return " ".join(brand.split()).casefold()


def model_number_key(model_number: str) -> str:
    """The form model numbers are stored in: BUYMA's search does not tell ``dd1391-100`` from
    ``DD1391-100``, and neither does MariaDB's default collation, so neither do we."""
    return " ".join(model_number.split()).upper()


class PricingRule(models.Model):
    """One rule: blank ``supplier`` and ``brand`` is the default rule.

    Margins are a kind and a value: a rate (``0.2`` = 20 % of the sale price) or a fixed yen
    amount per item. ``clean`` runs the same checks ``PricingInput`` makes, so a rule that
    saves can always price an item.
    """

    supplier = models.CharField(
        max_length=SUPPLIER_MAX, blank=True, default="", help_text="supplier name; blank: any"
    )
    brand = models.CharField(
        max_length=BRAND_MAX, blank=True, default="", help_text="brand; blank: any (case-blind)"
    )
    shipping_krw = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="shipping of one unit to Japan, KRW"
    )
    buyma_fee_rate = models.DecimalField(
        max_digits=6, decimal_places=4, help_text="share of the sale price BUYMA keeps (0.077)"
    )
    duty_rate = models.DecimalField(
        max_digits=6, decimal_places=4, default=Decimal(0), help_text="share of the sale price"
    )
    duty_jpy = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal(0), help_text="fixed duty per item, JPY"
    )
    target_margin_kind = models.CharField(
        max_length=8, choices=MarginKind.choices, default=MarginKind.RATE
    )
    target_margin = models.DecimalField(
        max_digits=12, decimal_places=4, help_text="a rate (0.2) or yen, as the kind says"
    )
    minimum_margin_kind = models.CharField(
        max_length=8, choices=MarginKind.choices, default=MarginKind.RATE
    )
    minimum_margin = models.DecimalField(
        max_digits=12, decimal_places=4, help_text="a rate (0.1) or yen, as the kind says"
    )
    undercut_jpy = models.PositiveIntegerField(default=0)
    rounding_step_jpy = models.PositiveIntegerField(default=10, validators=[MinValueValidator(1)])
    rounding_direction = models.CharField(
        max_length=8,
        choices=[(d.value, d.value) for d in RoundingDirection],
        default=RoundingDirection.UP.value,
    )
    suspend_when_uncompetitive = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "yooini_pricing_rule"
        ordering = ("supplier", "brand")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "brand"], name="yooini_pricing_rule_scope")
        ]

    def __str__(self) -> str:
        return f"pricing rule {self.scope_label}"

    @property
    def scope(self) -> RuleScope:
        if self.supplier and self.brand:
            return RuleScope.SUPPLIER_BRAND
        if self.brand:
            return RuleScope.BRAND
        if self.supplier:
            return RuleScope.SUPPLIER
        return RuleScope.DEFAULT

    @property
    def scope_label(self) -> str:
        parts = [f"supplier={self.supplier}"] if self.supplier else []
        parts += [f"brand={self.brand}"] if self.brand else []
        return " ".join(parts) or "default"

    def terms(self) -> dict[str, object]:
        """The rule's part of a ``PricingInput``, checked as ``PricingInput`` checks it.

        Raises PricingInputError when invalid. Decimals are normalized so a record shows
        ``0.077``, not the column's ``0.0770``.
        """
        terms: dict[str, object] = {
            "shipping_krw": plain_decimal(self.shipping_krw),
            "buyma_fee_rate": plain_decimal(self.buyma_fee_rate),
            "duty_rate": plain_decimal(self.duty_rate),
            "duty_jpy": plain_decimal(self.duty_jpy),
            "target_margin": _margin(self.target_margin_kind, self.target_margin, "target_margin"),
            "minimum_margin": _margin(
                self.minimum_margin_kind, self.minimum_margin, "minimum_margin"
            ),
            "undercut_jpy": self.undercut_jpy,
            "rounding": Rounding(
                step_jpy=self.rounding_step_jpy,
                direction=_direction(self.rounding_direction),
            ),
            "suspend_when_uncompetitive": self.suspend_when_uncompetitive,
        }
        # Any cost and rate will do: the checks on the rule's figures do not depend on them.
        PricingInput(cost_krw=Decimal(1), krw_per_jpy=Decimal(1), **terms)  # type: ignore[arg-type]
        return terms

    def clean(self) -> None:
        self.supplier = self.supplier.strip()
        self.brand = " ".join(self.brand.split())
        errors: dict[str, str] = {}
        if None in (
            self.shipping_krw,
            self.buyma_fee_rate,
            self.target_margin,
            self.minimum_margin,
        ):
            return  # the field checks name the missing values
        try:
            self.terms()
        except PricingInputError as exc:
            name = _FIELD_OF_INPUT.get(exc.field, exc.field)
            known = {f.name for f in self._meta.fields}
            errors[name if name in known else NON_FIELD_ERRORS] = f"{exc.field}: {exc.problem}"
        # Exact duplicates are the unique constraint's to report; this catches "Nike" next to
        # "NIKE", which the rule book would not be able to tell apart.
        clash = (
            PricingRule.objects.filter(supplier=self.supplier, brand__iexact=self.brand)
            .exclude(brand=self.brand)
            .exclude(pk=self.pk)
        )
        if self.brand and clash.exists():
            errors["brand"] = (
                f"a rule for {self.scope_label} already exists (brands are matched case-blind)"
            )
        if errors:
            raise ValidationError(errors)


# PricingInputError.field -> the model field a form shows the error on.
_FIELD_OF_INPUT = {
    "target_margin.rate": "target_margin",
    "target_margin.amount_jpy": "target_margin",
    "minimum_margin.rate": "minimum_margin",
    "minimum_margin.amount_jpy": "minimum_margin",
    "Rounding.step_jpy": "rounding_step_jpy",
    "Rounding.direction": "rounding_direction",
}


def plain_decimal(value: object) -> object:
    """Trailing zeros off: ``Decimal("0.0770")`` -> ``0.077``, ``Decimal("15000.00")`` -> ``15000``.

    Anything but a finite Decimal is returned unchanged, for ``PricingInput`` to judge (a
    float must be refused there, not quietly turned into a Decimal here).
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        return value
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _margin(kind: str, value: Decimal, name: str) -> Margin:
    try:
        if kind == MarginKind.RATE:
            return MarginRate(plain_decimal(value))
        if kind == MarginKind.YEN:
            return MarginYen(plain_decimal(value))
    except PricingInputError as exc:
        attr = exc.field.rsplit(".", 1)[-1]
        raise PricingInputError(f"{name}.{attr}", exc.problem) from exc
    raise PricingInputError(f"{name}_kind", f"must be one of {MarginKind.values}, got {kind!r}")


def _direction(value: str) -> RoundingDirection:
    try:
        return RoundingDirection(value)
    except ValueError:
        raise PricingInputError(
            "Rounding.direction",
            f"must be one of {[d.value for d in RoundingDirection]}, got {value!r}",
        ) from None


def krw_per_jpy_validator(value: Decimal) -> None:
    if not KRW_PER_JPY_MIN <= value <= KRW_PER_JPY_MAX:
        hint = " (is it yen per won, the inverse?)" if 0 < value < KRW_PER_JPY_MIN else ""
        raise ValidationError(
            f"must be the won paid for one yen (about 9); {value} is outside"
            f" [{KRW_PER_JPY_MIN}, {KRW_PER_JPY_MAX}]{hint}"
        )


class FxRate(models.Model):
    """``krw_per_jpy`` won buy one yen from ``valid_from`` until the next row's day."""

    base = models.CharField(max_length=3, default="KRW")
    quote = models.CharField(max_length=3, default="JPY")
    krw_per_jpy = models.DecimalField(
        max_digits=12, decimal_places=6, validators=[krw_per_jpy_validator]
    )
    valid_from = models.DateField()
    source = models.CharField(max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "yooini_pricing_fx_rate"
        ordering = ("-valid_from",)
        constraints = [
            models.UniqueConstraint(
                fields=["base", "quote", "valid_from"], name="yooini_pricing_fx_rate_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.krw_per_jpy.normalize():f} {self.base}/{self.quote} from {self.valid_from}"


class CompetitorPrice(models.Model):
    """The latest look-up of one model number on a market: one row each, overwritten.

    ``model_number`` is stored as ``model_number_key`` makes it.

    ``price_jpy`` is None when nobody else sells the model (and ``error`` is blank) or when
    the look-up failed (``error`` says why; such a row is never served from the cache).
    """

    market = models.CharField(max_length=16, default="buyma")
    model_number = models.CharField(max_length=MODEL_NUMBER_MAX)
    price_jpy = models.PositiveIntegerField(null=True, blank=True)
    seller_id = models.CharField(max_length=32, blank=True, default="")
    item_url = models.CharField(max_length=500, blank=True, default="")
    search_url = models.CharField(max_length=1000, blank=True, default="")
    fetched_at = models.DateTimeField()
    error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "yooini_pricing_competitor_price"
        ordering = ("market", "model_number")
        constraints = [
            models.UniqueConstraint(
                fields=["market", "model_number"], name="yooini_pricing_competitor_model"
            )
        ]

    def __str__(self) -> str:
        what = self.error or (f"¥{self.price_jpy:,}" if self.price_jpy else "no competitor")
        return f"{self.market} {self.model_number}: {what}"
