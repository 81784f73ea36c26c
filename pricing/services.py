"""Pricing with the stored configuration: rules by market and scope, the FX table, the
decision record.

The PRICE stage prices thousands of items per run, so the rules of every market are read once
per batch (``pricing_rules_load``) and matched in memory; each item then costs one
``PricingInput`` and one ``decide_price``, no query. ``decision_record`` is what is stored with
the listing: the decision, every input, the rule row, the FX row and the competitor it was
decided with, as plain JSON, so "why this price" can be answered after rules and rates have
changed.
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
    "DEFAULT_RULES",
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

# 2: amounts in the market currency ("price", "currency", "floor_price", ...) where schema 1
# had yen ("price_jpy", "floor_price_jpy", ...).
RECORD_SCHEMA = 2

# What every default rule shares: margins of the sale price, 20 % aimed at and 10 % as the
# floor; the target rounded up; list at the floor rather than suspend when a rival is cheaper
# than the floor; no duty (see each market).
_COMMON: dict[str, Any] = {
    "duty_rate": Decimal(0),
    "duty": Decimal(0),
    "target_margin_kind": MarginKind.RATE,
    "target_margin": Decimal("0.20"),
    "minimum_margin_kind": MarginKind.RATE,
    "minimum_margin": Decimal("0.10"),
    "rounding_direction": RoundingDirection.UP.value,
    "suspend_when_uncompetitive": False,
    "note": "default rule created by pricing_defaults_ensure (see docs/pricing.md)",
}

# The default rule of each market, as ``pricing_defaults_ensure`` creates it. Starting figures,
# meant to be edited. Fees are the share of the sale price the market keeps, taxes on the fee
# included, at the tier every new seller starts at, so that they never overstate a margin.
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    # BUYMA, in yen. fee 0.077: the 成約手数料 (closing fee) of a general seller is 7.7 % (7 % +
    # consumption tax) of the price before points and coupons; BUYMA shop sellers pay 7.7 % down
    # to 5.5 % by their 3-month sales (https://ltd-regalo.co.jp/new-era/?p=11632, updated
    # 2024-05-23; https://about.7sgood.com/?p=6493). Shipping 15,000 KRW: one parcel of clothing
    # or shoes Korea -> Japan by a forwarder (the worked example's figure; unverified, set the
    # contract rate). No duty: listings are assumed not duty-included (the buyer pays on
    # delivery); set duty_rate for 関税込 listings. Undercut 10 yen, 10-yen steps.
    "buyma": {
        **_COMMON,
        "currency": "JPY",
        "shipping_krw": Decimal(15_000),
        "fee_rate": Decimal("0.077"),
        "undercut": 10,
        "rounding_step": 10,
    },
    # Naver SmartStore, in won. fee 0.0663 = Naver Pay order-management fee of the general tier,
    # 3.3 % + VAT = 3.63 % (https://www.asiae.co.kr/article/2021070210030690509; smaller sellers
    # pay down to 1.98 %: https://diad.co.kr/Customer/NoticeView?Category=TIP&Idx=4592) + the
    # sales commission on orders that come through Naver (Naver Plus Store, price comparison)
    # since 2025-06-02, 2.73 % + VAT = 3 % (1 % through the seller's own marketing link;
    # https://studiomx.co.kr/10408/). Shipping 3,000 KRW: a domestic parcel (unverified, set the
    # contract rate). 100-won steps (a convention of Korean listings, not a market rule);
    # undercut 100 won.
    "smartstore": {
        **_COMMON,
        "currency": "KRW",
        "shipping_krw": Decimal(3_000),
        "fee_rate": Decimal("0.0663"),
        "undercut": 100,
        "rounding_step": 100,
    },
    # Coupang marketplace, in won. fee 0.1155 = the sales commission of fashion clothing and
    # accessories, 10.5 % + VAT (http://www.mediasr.co.kr/news/articleView.html?idxno=55656;
    # https://oscsnm.com/coupang-fee-guide-2026 lists 10.5 % for fashion and 10.8 % for
    # furniture and books). Shipping 3,000 KRW (unverified). 10-won steps: Coupang takes
    # prices in multiples of 10 won (unverified: no public source found); undercut 100 won.
    "coupang": {
        **_COMMON,
        "currency": "KRW",
        "shipping_krw": Decimal(3_000),
        "fee_rate": Decimal("0.1155"),
        "undercut": 100,
        "rounding_step": 10,
    },
    # Gmarket / Auction (ESM), in won. fee 0.13: the service fee of women's clothing, 13 %
    # (https://sports.donga.com/economy/article/all/20220301/112097147/1; whether it includes
    # VAT is unverified). Shipping 3,000 KRW (unverified). 100-won steps; undercut 100 won.
    "gmarket": {
        **_COMMON,
        "currency": "KRW",
        "shipping_krw": Decimal(3_000),
        "fee_rate": Decimal("0.13"),
        "undercut": 100,
        "rounding_step": 100,
    },
}


class PricingRuleMissing(LookupError):
    """No enabled rule of ``market`` applies to a supplier + brand (the market has no enabled
    default rule)."""

    def __init__(self, market: str, supplier: str, brand: str) -> None:
        super().__init__(
            f"no enabled pricing rule for market={market!r} supplier={supplier!r}"
            f" brand={brand!r} and no enabled default rule for market {market!r}"
            " (create one with pricing_defaults_ensure() or in the admin)"
        )
        self.market = market
        self.supplier = supplier
        self.brand = brand


@dataclass(frozen=True, slots=True)
class AppliedRule:
    """One rule as the rule book holds it: its market, scope and ``PricingInput`` terms.

    ``problem`` is set (and ``terms`` empty) when the stored row is invalid: only the items
    it applies to fail, with that message, instead of the whole batch.
    """

    id: int
    market: str
    currency: str
    scope: RuleScope
    supplier: str
    brand: str
    terms: Mapping[str, object] = field(default_factory=dict)
    problem: str = ""

    def as_record(self) -> dict[str, object]:
        return {
            "id": self.id,
            "market": self.market,
            "currency": self.currency,
            "scope": self.scope.value,
            "supplier": self.supplier,
            "brand": self.brand,
        }


class RuleBook:
    """Enabled rules in memory, matched by market, then by supplier and brand, most specific
    first: supplier + brand, then brand, then supplier, then the market's default rule.

    A rule never applies to another market. Brands match case-blind and ignoring extra
    spaces; market kinds and supplier names match exactly.
    """

    def __init__(self, rules: Iterable[PricingRule]) -> None:
        self._rules: dict[tuple[str, str, str], AppliedRule] = {}
        for rule in rules:
            try:
                terms, problem = rule.terms(), ""
            except PricingInputError as exc:
                terms, problem = (
                    {},
                    f"pricing rule {rule.pk} ({rule.market} {rule.scope_label}) is invalid: {exc}",
                )
            key = (rule.market, rule.supplier.strip(), brand_key(rule.brand))
            self._rules[key] = AppliedRule(
                id=rule.pk,
                market=rule.market,
                currency=rule.currency,
                scope=rule.scope,
                supplier=rule.supplier,
                brand=rule.brand,
                terms=terms,
                problem=problem,
            )

    def __len__(self) -> int:
        return len(self._rules)

    def rule_for(self, *, market: str, supplier: str, brand: str) -> AppliedRule:
        """The rule of ``market`` that applies to ``supplier`` + ``brand``;
        PricingRuleMissing naming the market if none."""
        s, b = (supplier or "").strip(), brand_key(brand or "")
        # Brand before supplier: a brand's prices (its rivals, its margins) differ more
        # between brands than between the shops that sell the same brand.
        for key in ((market, s, b), (market, "", b), (market, s, ""), (market, "", "")):
            rule = self._rules.get(key)
            if rule is not None:
                return rule
        raise PricingRuleMissing(market, supplier, brand)

    def input_for(
        self,
        *,
        market: str,
        supplier: str,
        brand: str,
        cost_krw: Decimal | int,
        competitor_price: int | None,
        krw_per_unit: Decimal | int,
    ) -> PricingInput:
        """The ``PricingInput`` of one item under its market's rule, in the market currency.

        ``krw_per_unit`` is the won per unit of the rule's currency (``fx_rate_on(day,
        currency=...)``; 1 for won). Raises PricingRuleMissing when no rule applies,
        PricingInputError for a bad cost, rate or competitor price (its message names the
        field and, for a broken rule, the rule).
        """
        rule = self.rule_for(market=market, supplier=supplier, brand=brand)
        if rule.problem:
            raise PricingInputError(f"pricing_rule[{rule.id}]", rule.problem)
        return PricingInput(
            cost_krw=plain_decimal(cost_krw),
            krw_per_unit=plain_decimal(krw_per_unit),
            competitor_price=competitor_price,
            **rule.terms,  # type: ignore[arg-type]
        )


def pricing_rules_load() -> RuleBook:
    """Every enabled rule of every market, read in one query, for pricing a batch of items."""
    return RuleBook(pricing_rules_enabled())


def pricing_rule_save(*, rule: PricingRule) -> PricingRule:
    """Validate (the checks of ``PricingInput`` included) and write a rule."""
    rule.full_clean()
    rule.save()
    return rule


def pricing_defaults_ensure() -> list[PricingRule]:
    """The default rule (blank supplier and brand) of every market in ``DEFAULT_RULES``,
    created where missing; returns the rules it created (none on a second call).

    An existing default rule is left as it is, edits and ``enabled`` included. No FX rate is
    ever made up: with an empty FX table, markets outside won stop with FxRateMissing until
    someone sets a rate.
    """
    created_rules = []
    with transaction.atomic():
        for market, defaults in DEFAULT_RULES.items():
            rule, created = PricingRule.objects.get_or_create(
                market=market, supplier="", brand="", defaults=defaults
            )
            if created:
                created_rules.append(rule)
    return created_rules


def fx_rate_set(
    rate: Decimal | int | str, valid_from: date, source: str = "", currency: str = "JPY"
) -> FxRate:
    """Set the KRW rate of ``currency`` (won per unit) in effect from ``valid_from``; returns
    the row.

    Setting a day that has a rate replaces it. ValidationError says what is wrong with a
    rate that is not a number, is a float, has more than 6 decimals or is implausible
    (for the yen, outside [1, 100] won per yen: most likely the inverse was typed), and with
    a currency that is not an ISO 4217 code or is the won itself.
    """
    krw_per_unit = _rate(rate)
    if isinstance(valid_from, datetime) or not isinstance(valid_from, date):
        raise ValidationError({"valid_from": f"must be a date, got {valid_from!r}"})
    candidate = FxRate(
        quote=currency, krw_per_unit=krw_per_unit, valid_from=valid_from, source=source.strip()
    )
    candidate.full_clean(validate_unique=False, validate_constraints=False)
    row, _ = FxRate.objects.update_or_create(
        base="KRW",
        quote=currency,
        valid_from=valid_from,
        defaults={"krw_per_unit": candidate.krw_per_unit, "source": candidate.source},
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
    Amounts are in ``record["currency"]``, the market's. ValueError when ``fx_rate`` is not
    the rate of that currency (the record would explain the price with the wrong rate).
    """
    if fx_rate is not None and fx_rate.quote != decision.currency:
        raise ValueError(
            f"decision_record: the decision is in {decision.currency} but the FX rate is"
            f" {fx_rate.base}/{fx_rate.quote}"
        )
    record: dict[str, object] = {"schema": RECORD_SCHEMA, **decision.explain()}
    inputs = dict(record["inputs"])  # type: ignore[arg-type]
    for name in ("target_margin", "minimum_margin"):
        margin = getattr(decision.inputs, name)
        if isinstance(margin, MarginRate):
            kind, value = MarginKind.RATE.value, margin.rate
        else:
            kind, value = MarginKind.AMOUNT.value, margin.amount
        inputs[name] = {
            "kind": kind,
            "value": f"{value:f}",
            "text": margin.describe(decision.currency),
        }
    record["inputs"] = inputs
    record["pricing_rule"] = pricing_rule.as_record() if pricing_rule else None
    record["fx_rate"] = (
        {
            "currency": fx_rate.quote,
            "krw_per_unit": f"{plain_decimal(fx_rate.krw_per_unit):f}",
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
            {"krw_per_unit": f"must be a Decimal, int or str, not {type(value).__name__} {value!r}"}
        )
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"krw_per_unit": f"not a number: {value!r}"}) from None
    if not rate.is_finite() or rate <= 0:
        raise ValidationError({"krw_per_unit": f"must be a finite number > 0, got {value!r}"})
    return rate
