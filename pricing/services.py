"""Pricing with the stored configuration: rules by scope, the FX table, the decision record.

The PRICE stage prices thousands of items per run, so the rules are read once per batch
(``pricing_rules_load``) and matched in memory; each item then costs one ``PricingInput`` and
one ``decide_price``, no query. ``decision_record`` is what is stored with the listing: the
decision, every input, the rule row, the FX row and the competitor it was decided with, as
plain JSON, so "why this price" can be answered after rules and rates have changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pricing.errors import PricingInputError
from pricing.inputs import MarginRate, PricingInput
from pricing.rounding import RoundingDirection
from pricing.rules import PriceDecision

from .models import FxRate, MarginKind, PricingRule, RuleScope, brand_key, plain_decimal
from .selectors import FxRateMissing, fx_rate_on, pricing_rules_enabled

__all__ = [
    "DEFAULT_RULE",
    "RECORD_SCHEMA",
    "AppliedRule",
    "FxRateMissing",
    "PricingRuleMissing",
    "RuleBook",
    "decision_record",
    "fx_rate_on",
    "fx_rate_set",
    "pricing_defaults_ensure",
    "pricing_rule_save",
    "pricing_rules_load",
]

RECORD_SCHEMA = 1

# The default rule ``pricing_defaults_ensure`` creates. Starting figures, meant to be edited:
# - buyma_fee_rate 0.077: BUYMA's 成約手数料 (closing fee) for a general seller is 7.7 %
#   (7 % + consumption tax) of the price before points and coupons; BUYMA shop sellers pay
#   7.7 % down to 5.5 % by their 3-month sales (ltd-regalo.co.jp/new-era/?p=11632, updated
#   2024-05-23; about.7sgood.com/?p=6493). 7.7 % is the rate every seller starts at, so it
#   never overstates a margin; a seller on a lower tier lowers it.
# - shipping_krw 15,000: one parcel of clothing or shoes Korea -> Japan by a forwarder; the
#   figure of the worked example in docs/pricing.md. Set the real contract rate.
# - duty 0: listings are assumed not duty-included (the buyer pays any duty on delivery, as
#   most BUYMA listings shipped from abroad say); set duty_rate for 関税込 listings.
# - margins 20 % target, 10 % floor; undercut 10 yen; 10-yen steps rounded up; list at the
#   floor rather than suspend when a rival is cheaper than the floor.
DEFAULT_RULE: dict[str, Any] = {
    "shipping_krw": Decimal(15_000),
    "buyma_fee_rate": Decimal("0.077"),
    "duty_rate": Decimal(0),
    "duty_jpy": Decimal(0),
    "target_margin_kind": MarginKind.RATE,
    "target_margin": Decimal("0.20"),
    "minimum_margin_kind": MarginKind.RATE,
    "minimum_margin": Decimal("0.10"),
    "undercut_jpy": 10,
    "rounding_step_jpy": 10,
    "rounding_direction": RoundingDirection.UP.value,
    "suspend_when_uncompetitive": False,
    "note": "default rule created by pricing_defaults_ensure (see docs/pricing.md)",
}


class PricingRuleMissing(LookupError):
    """No enabled rule applies to a supplier + brand (there is no enabled default rule)."""


@dataclass(frozen=True, slots=True)
class AppliedRule:
    """One rule as the rule book holds it: its scope and its ``PricingInput`` terms.

    ``problem`` is set (and ``terms`` empty) when the stored row is invalid: only the items
    it applies to fail, with that message, instead of the whole batch.
    """

    id: int
    scope: RuleScope
    supplier: str
    brand: str
    terms: Mapping[str, object] = field(default_factory=dict)
    problem: str = ""

    def as_record(self) -> dict[str, object]:
        return {
            "id": self.id,
            "scope": self.scope.value,
            "supplier": self.supplier,
            "brand": self.brand,
        }


class RuleBook:
    """Enabled rules in memory, matched by supplier and brand, most specific first:
    supplier + brand, then brand, then supplier, then the default rule.

    Brands match case-blind and ignoring extra spaces; supplier names match exactly.
    """

    def __init__(self, rules: Iterable[PricingRule]) -> None:
        self._rules: dict[tuple[str, str], AppliedRule] = {}
        for rule in rules:
            try:
                terms, problem = rule.terms(), ""
            except PricingInputError as exc:
                terms, problem = (
                    {},
                    f"pricing rule {rule.pk} ({rule.scope_label}) is invalid: {exc}",
                )
            self._rules[(rule.supplier.strip(), brand_key(rule.brand))] = AppliedRule(
                id=rule.pk,
                scope=rule.scope,
                supplier=rule.supplier,
                brand=rule.brand,
                terms=terms,
                problem=problem,
            )

    def __len__(self) -> int:
        return len(self._rules)

    def rule_for(self, *, supplier: str, brand: str) -> AppliedRule:
        """The rule that applies to ``supplier`` + ``brand``; PricingRuleMissing if none."""
        s, b = (supplier or "").strip(), brand_key(brand or "")
        for key in ((s, b), ("", b), (s, ""), ("", "")):
            rule = self._rules.get(key)
            if rule is not None:
                return rule
        raise PricingRuleMissing(
            f"no enabled pricing rule for supplier={supplier!r} brand={brand!r} and no enabled"
            " default rule (create one with pricing_defaults_ensure() or in the admin)"
        )

    def input_for(
        self,
        *,
        supplier: str,
        brand: str,
        cost_krw: Decimal | int,
        competitor_price_jpy: int | None,
        krw_per_jpy: Decimal | int,
    ) -> PricingInput:
        """The ``PricingInput`` of one item under its rule.

        Raises PricingRuleMissing when no rule applies, PricingInputError for a bad cost,
        rate or competitor price (its message names the field and, for a broken rule, the rule).
        """
        rule = self.rule_for(supplier=supplier, brand=brand)
        if rule.problem:
            raise PricingInputError(f"pricing_rule[{rule.id}]", rule.problem)
        return PricingInput(
            cost_krw=plain_decimal(cost_krw),
            krw_per_jpy=plain_decimal(krw_per_jpy),
            competitor_price_jpy=competitor_price_jpy,
            **rule.terms,  # type: ignore[arg-type]
        )


def pricing_rules_load() -> RuleBook:
    """Every enabled rule, read in one query, for pricing a batch of items."""
    return RuleBook(pricing_rules_enabled())


def pricing_rule_save(*, rule: PricingRule) -> PricingRule:
    """Validate (the checks of ``PricingInput`` included) and write a rule."""
    rule.full_clean()
    rule.save()
    return rule


def pricing_defaults_ensure() -> tuple[PricingRule, bool]:
    """The default rule (blank supplier and brand), created from ``DEFAULT_RULE`` if missing.

    Returns (rule, created). An existing default rule is returned as it is, edits and
    ``enabled`` included. No FX rate is ever made up: with an empty FX table pricing stops
    with FxRateMissing until someone sets a rate.
    """
    with transaction.atomic():
        rule, created = PricingRule.objects.get_or_create(
            supplier="", brand="", defaults=DEFAULT_RULE
        )
    return rule, created


def fx_rate_set(rate: Decimal | int | str, valid_from: date, source: str = "") -> FxRate:
    """Set the KRW/JPY rate (won per yen) in effect from ``valid_from``; returns the row.

    Setting a day that has a rate replaces it. ValidationError says what is wrong with a
    rate that is not a number, is a float, has more than 6 decimals or is implausible
    (outside [1, 100] won per yen: most likely the inverse was typed).
    """
    krw_per_jpy = _rate(rate)
    if isinstance(valid_from, datetime) or not isinstance(valid_from, date):
        raise ValidationError({"valid_from": f"must be a date, got {valid_from!r}"})
    candidate = FxRate(krw_per_jpy=krw_per_jpy, valid_from=valid_from, source=source.strip())
    candidate.full_clean(validate_unique=False, validate_constraints=False)
    row, _ = FxRate.objects.update_or_create(
        base="KRW",
        quote="JPY",
        valid_from=valid_from,
        defaults={"krw_per_jpy": candidate.krw_per_jpy, "source": candidate.source},
    )
    return row


def decision_record(
    decision: PriceDecision,
    *,
    pricing_rule: AppliedRule | None = None,
    fx_rate: FxRate | None = None,
    competitor: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """What "why this price" shows, as JSON-ready values (Decimals as exact strings).

    The decision (price, rule, reason, floor, target, undercut, margin), every input with the
    margins both as text and as kind + value, and, when given, the pricing rule row, the FX
    row and the competitor look-up (``CompetitorQuote.as_record()``) it was decided with.
    """
    record: dict[str, object] = {"schema": RECORD_SCHEMA, **decision.explain()}
    inputs = dict(record["inputs"])  # type: ignore[arg-type]
    for name in ("target_margin", "minimum_margin"):
        margin = getattr(decision.inputs, name)
        if isinstance(margin, MarginRate):
            kind, value = MarginKind.RATE.value, margin.rate
        else:
            kind, value = MarginKind.YEN.value, margin.amount_jpy
        inputs[name] = {"kind": kind, "value": f"{value:f}", "text": margin.describe()}
    record["inputs"] = inputs
    record["pricing_rule"] = pricing_rule.as_record() if pricing_rule else None
    record["fx_rate"] = (
        {
            "krw_per_jpy": f"{plain_decimal(fx_rate.krw_per_jpy):f}",
            "valid_from": fx_rate.valid_from.isoformat(),
            "source": fx_rate.source,
        }
        if fx_rate
        else None
    )
    record["competitor"] = _json_safe(dict(competitor)) if competitor is not None else None
    return record


def _json_safe(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _rate(value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise ValidationError(
            {"krw_per_jpy": f"must be a Decimal, int or str, not {type(value).__name__} {value!r}"}
        )
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"krw_per_jpy": f"not a number: {value!r}"}) from None
    if not rate.is_finite() or rate <= 0:
        raise ValidationError({"krw_per_jpy": f"must be a finite number > 0, got {value!r}"})
    return rate
