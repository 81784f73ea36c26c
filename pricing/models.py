"""What the PRICE stage prices with: rules per market and scope, a dated FX table, competitor
prices.

- ``PricingRule``: the figures of ``PricingInput`` that are a choice rather than a fact of the
  item (fee, shipping, duty, margins, undercut, rounding), for one market and in that market's
  currency. Within a market a rule applies to everything, to a supplier, to a brand or to a
  supplier + brand; the most specific enabled rule is used whole (fields are not merged across
  rules, so one rule explains a price on its own).
- ``FxRate``: how many won one unit of a currency (the yen today) costs from a day on; a price
  uses the rate in effect on its day, so yesterday's decisions can be explained with
  yesterday's rate. Won need no rate: a market that sells in won is priced at 1.
- ``CompetitorPrice``: the cheapest rival listing per market and model number, one row each,
  overwritten on every look-up. The decision stored with a listing already copies the
  competitor price it used, so keeping every hourly look-up here (10,000 products x 24 a day)
  would only grow a table nobody reads.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from pricing.errors import PricingInputError
from pricing.inputs import Margin, MarginAmount, MarginRate, PricingInput
from pricing.limits import KRW_PER_UNIT_MAX, KRW_PER_UNIT_MIN
from pricing.rounding import Rounding, RoundingDirection

MARKET_MAX = 20  # the length of a market kind, as in markets.MarketAccount
SUPPLIER_MAX = 50  # the length of a supplier's name
BRAND_MAX = 100
MODEL_NUMBER_MAX = 200

# KRW per unit outside these ranges is a typing error, most likely the inverse (yen per won,
# about 0.11): priced with it, every item would be listed at a hundredth of its cost. Other
# currencies are held to the wide bounds of ``pricing.limits`` only.
PLAUSIBLE_KRW_PER_UNIT: dict[str, tuple[Decimal, Decimal, str]] = {
    "JPY": (Decimal(1), Decimal(100), "about 9"),
    "CNY": (Decimal(10), Decimal(1_000), "about 190"),
    "USD": (Decimal(100), Decimal(10_000), "about 1,400"),
    "EUR": (Decimal(100), Decimal(10_000), "about 1,500"),
}


class MarginKind(models.TextChoices):
    RATE = "rate", "rate of the sale price"
    AMOUNT = "amount", "fixed amount in the market currency"


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


def market_kind_validator(value: str) -> None:
    """A market kind the registry knows (built in or from the ``yooini.markets`` entry points)."""
    # Imported here: the markets app imports pricing, and the registry reads entry points.
    from markets.contract import kinds

    if value not in kinds():
        raise ValidationError(f"unknown market {value!r}; one of: {', '.join(kinds())}")


def currency_code_validator(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{3}", value or ""):
        raise ValidationError(f"must be an ISO 4217 code such as JPY or KRW, got {value!r}")


class PricingRule(models.Model):
    """One rule of one market: blank ``supplier`` and ``brand`` is the market's default rule.

    Every amount but ``shipping_krw`` is in ``currency``, the market's: yen for BUYMA, won for
    SmartStore, Coupang and Gmarket. Margins are a kind and a value: a rate (``0.2`` = 20 % of
    the sale price) or a fixed amount per item. ``clean`` runs the same checks ``PricingInput``
    makes, so a rule that saves can always price an item.
    """

    market = models.CharField(
        max_length=MARKET_MAX, validators=[market_kind_validator], help_text="market kind"
    )
    currency = models.CharField(
        max_length=3,
        validators=[currency_code_validator],
        help_text="the market's currency (ISO 4217): the price and every amount but shipping",
    )
    supplier = models.CharField(
        max_length=SUPPLIER_MAX, blank=True, default="", help_text="supplier name; blank: any"
    )
    brand = models.CharField(
        max_length=BRAND_MAX, blank=True, default="", help_text="brand; blank: any (case-blind)"
    )
    shipping_krw = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="shipping of one unit to the buyer, KRW"
    )
    fee_rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        help_text="share of the sale price the market keeps (0.077 on BUYMA)",
    )
    duty_rate = models.DecimalField(
        max_digits=6, decimal_places=4, default=Decimal(0), help_text="share of the sale price"
    )
    duty = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        help_text="fixed duty per item, market currency",
    )
    target_margin_kind = models.CharField(
        max_length=8, choices=MarginKind.choices, default=MarginKind.RATE
    )
    target_margin = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        help_text="a rate (0.2) or an amount in the market currency, as the kind says",
    )
    minimum_margin_kind = models.CharField(
        max_length=8, choices=MarginKind.choices, default=MarginKind.RATE
    )
    minimum_margin = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        help_text="a rate (0.1) or an amount in the market currency, as the kind says",
    )
    undercut = models.PositiveIntegerField(default=0, help_text="market currency")
    rounding_step = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1)], help_text="market currency"
    )
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
        ordering = ("market", "supplier", "brand")
        constraints = [
            models.UniqueConstraint(
                fields=["market", "supplier", "brand"], name="yooini_pricing_rule_market_scope"
            )
        ]

    def __str__(self) -> str:
        return f"pricing rule {self.market} {self.scope_label}"

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
            "currency": self.currency,
            "shipping_krw": plain_decimal(self.shipping_krw),
            "fee_rate": plain_decimal(self.fee_rate),
            "duty_rate": plain_decimal(self.duty_rate),
            "duty": plain_decimal(self.duty),
            "target_margin": _margin(self.target_margin_kind, self.target_margin, "target_margin"),
            "minimum_margin": _margin(
                self.minimum_margin_kind, self.minimum_margin, "minimum_margin"
            ),
            "undercut": self.undercut,
            "rounding": Rounding(
                step=self.rounding_step,
                direction=_direction(self.rounding_direction),
            ),
            "suspend_when_uncompetitive": self.suspend_when_uncompetitive,
        }
        # Any cost and rate will do: the checks on the rule's figures do not depend on them
        # (1 is also the only rate a market in won accepts).
        PricingInput(cost_krw=Decimal(1), krw_per_unit=Decimal(1), **terms)  # type: ignore[arg-type]
        return terms

    def clean(self) -> None:
        self.supplier = self.supplier.strip()
        self.brand = " ".join(self.brand.split())
        errors: dict[str, str] = {}
        if None in (
            self.shipping_krw,
            self.fee_rate,
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
        errors.update(_market_mismatches(self))
        # Exact duplicates are the unique constraint's to report; this catches "Nike" next to
        # "NIKE", which the rule book would not be able to tell apart.
        clash = (
            PricingRule.objects.filter(
                market=self.market, supplier=self.supplier, brand__iexact=self.brand
            )
            .exclude(brand=self.brand)
            .exclude(pk=self.pk)
        )
        if self.brand and clash.exists():
            errors["brand"] = (
                f"a rule for {self.market} {self.scope_label} already exists"
                " (brands are matched case-blind)"
            )
        if errors:
            raise ValidationError(errors)


# PricingInputError.field -> the model field a form shows the error on.
_FIELD_OF_INPUT = {
    "target_margin.rate": "target_margin",
    "target_margin.amount": "target_margin",
    "minimum_margin.rate": "minimum_margin",
    "minimum_margin.amount": "minimum_margin",
    "Rounding.step": "rounding_step",
    "Rounding.direction": "rounding_direction",
}


def _market_mismatches(rule: PricingRule) -> dict[str, str]:
    """Where the rule disagrees with what its market declares (currency, price step).

    Only for markets whose connector is installed; the others are checked when they are.
    """
    from markets.contract import UnknownMarket, market_kind

    try:
        declared = market_kind(rule.market).capabilities
    except (UnknownMarket, ImportError):
        return {}
    errors = {}
    if rule.currency and rule.currency != declared.currency:
        errors["currency"] = f"{rule.market} sells in {declared.currency}, not {rule.currency}"
    if rule.rounding_step and rule.rounding_step % declared.price_step:
        errors["rounding_step"] = (
            f"{rule.market} takes prices in multiples of {declared.price_step}:"
            f" {rule.rounding_step} is not one"
        )
    return errors


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
        if kind == MarginKind.AMOUNT:
            return MarginAmount(plain_decimal(value))
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


def krw_per_unit_validator(value: Decimal) -> None:
    """The bounds every currency is held to; ``FxRate.clean`` narrows them per currency."""
    if not KRW_PER_UNIT_MIN <= value <= KRW_PER_UNIT_MAX:
        raise ValidationError(
            f"must be the won paid for one unit of the currency; {value} is outside"
            f" [{KRW_PER_UNIT_MIN}, {KRW_PER_UNIT_MAX}]"
        )


# Migration 0001 refers to the validator by this name.
krw_per_jpy_validator = krw_per_unit_validator


class FxRate(models.Model):
    """``krw_per_unit`` won buy one ``quote`` from ``valid_from`` until the next row's day."""

    base = models.CharField(max_length=3, default="KRW")
    quote = models.CharField(max_length=3, default="JPY", validators=[currency_code_validator])
    krw_per_unit = models.DecimalField(
        max_digits=12, decimal_places=6, validators=[krw_per_unit_validator]
    )
    valid_from = models.DateField()
    source = models.CharField(max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "yooini_pricing_fx_rate"
        ordering = ("quote", "-valid_from")
        constraints = [
            models.UniqueConstraint(
                fields=["base", "quote", "valid_from"], name="yooini_pricing_fx_rate_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.krw_per_unit.normalize():f} {self.base}/{self.quote} from {self.valid_from}"

    def clean(self) -> None:
        if self.quote == self.base:
            raise ValidationError({"quote": f"{self.base} per {self.base} is always 1"})
        plausible = PLAUSIBLE_KRW_PER_UNIT.get(self.quote)
        if plausible is None or not isinstance(self.krw_per_unit, Decimal):
            return
        low, high, usual = plausible
        if not low <= self.krw_per_unit <= high:
            hint = " (is it the inverse, units per won?)" if self.krw_per_unit < low else ""
            raise ValidationError(
                {
                    "krw_per_unit": f"must be the won paid for one {self.quote} ({usual});"
                    f" {self.krw_per_unit} is outside [{low}, {high}]{hint}"
                }
            )


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
