"""Pricing per market, in that market's currency.

Rules gain a market (every existing rule is BUYMA's) and the currency of its amounts (yen);
the yen-named columns are renamed to their currency-neutral names and keep their values; a
fixed margin's kind "yen" becomes "amount". FX rates' ``krw_per_jpy`` becomes ``krw_per_unit``
(the quote column already says which currency). Reversible while only BUYMA has rules.
"""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models

import pricing.models

_KINDS = ("target_margin_kind", "minimum_margin_kind")


def _rename_margin_kind(apps, old: str, new: str) -> None:
    rule = apps.get_model("pricing", "PricingRule")
    for column in _KINDS:
        rule.objects.filter(**{column: old}).update(**{column: new})


def yen_to_amount(apps, schema_editor) -> None:
    _rename_margin_kind(apps, "yen", "amount")


def amount_to_yen(apps, schema_editor) -> None:
    _rename_margin_kind(apps, "amount", "yen")


def refuse_rules_of_other_markets(apps, schema_editor) -> None:
    """Going back, only BUYMA rules in yen can be expressed: refuse to drop the others."""
    rule = apps.get_model("pricing", "PricingRule")
    others = rule.objects.exclude(market="buyma", currency="JPY")
    if others.exists():
        markets = sorted(set(others.values_list("market", flat=True)))
        raise RuntimeError(
            "pricing 0002 cannot be reversed while rules of other markets or currencies exist"
            f" ({', '.join(markets)}): delete them first"
        )


_MARGIN_CHOICES = [("rate", "rate of the sale price"), ("amount", "fixed amount in the market currency")]


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="pricingrule", name="yooini_pricing_rule_scope"),
        migrations.AddField(
            model_name="pricingrule",
            name="market",
            field=models.CharField(
                default="buyma",
                help_text="market kind",
                max_length=20,
                validators=[pricing.models.market_kind_validator],
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="pricingrule",
            name="currency",
            field=models.CharField(
                default="JPY",
                help_text="the market's currency (ISO 4217): the price and every amount but shipping",
                max_length=3,
                validators=[pricing.models.currency_code_validator],
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="pricingrule",
            constraint=models.UniqueConstraint(
                fields=("market", "supplier", "brand"), name="yooini_pricing_rule_market_scope"
            ),
        ),
        migrations.AlterModelOptions(
            name="pricingrule", options={"ordering": ("market", "supplier", "brand")}
        ),
        migrations.RenameField(model_name="pricingrule", old_name="buyma_fee_rate", new_name="fee_rate"),
        migrations.RenameField(model_name="pricingrule", old_name="duty_jpy", new_name="duty"),
        migrations.RenameField(model_name="pricingrule", old_name="undercut_jpy", new_name="undercut"),
        migrations.RenameField(
            model_name="pricingrule", old_name="rounding_step_jpy", new_name="rounding_step"
        ),
        migrations.AlterField(
            model_name="pricingrule",
            name="fee_rate",
            field=models.DecimalField(
                decimal_places=4,
                help_text="share of the sale price the market keeps (0.077 on BUYMA)",
                max_digits=6,
            ),
        ),
        migrations.AlterField(
            model_name="pricingrule",
            name="duty",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0"),
                help_text="fixed duty per item, market currency",
                max_digits=12,
            ),
        ),
        migrations.AlterField(
            model_name="pricingrule",
            name="undercut",
            field=models.PositiveIntegerField(default=0, help_text="market currency"),
        ),
        migrations.AlterField(
            model_name="pricingrule",
            name="rounding_step",
            field=models.PositiveIntegerField(
                default=10,
                help_text="market currency",
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.AlterField(
            model_name="pricingrule",
            name="shipping_krw",
            field=models.DecimalField(
                decimal_places=2, help_text="shipping of one unit to the buyer, KRW", max_digits=12
            ),
        ),
        migrations.AlterField(
            model_name="pricingrule",
            name="target_margin_kind",
            field=models.CharField(choices=_MARGIN_CHOICES, default="rate", max_length=8),
        ),
        migrations.AlterField(
            model_name="pricingrule",
            name="target_margin",
            field=models.DecimalField(
                decimal_places=4,
                help_text="a rate (0.2) or an amount in the market currency, as the kind says",
                max_digits=12,
            ),
        ),
        migrations.AlterField(
            model_name="pricingrule",
            name="minimum_margin_kind",
            field=models.CharField(choices=_MARGIN_CHOICES, default="rate", max_length=8),
        ),
        migrations.AlterField(
            model_name="pricingrule",
            name="minimum_margin",
            field=models.DecimalField(
                decimal_places=4,
                help_text="a rate (0.1) or an amount in the market currency, as the kind says",
                max_digits=12,
            ),
        ),
        migrations.RunPython(yen_to_amount, amount_to_yen),
        migrations.RenameField(model_name="fxrate", old_name="krw_per_jpy", new_name="krw_per_unit"),
        migrations.AlterField(
            model_name="fxrate",
            name="krw_per_unit",
            field=models.DecimalField(
                decimal_places=6,
                max_digits=12,
                validators=[pricing.models.krw_per_unit_validator],
            ),
        ),
        migrations.AlterField(
            model_name="fxrate",
            name="quote",
            field=models.CharField(
                default="JPY", max_length=3, validators=[pricing.models.currency_code_validator]
            ),
        ),
        migrations.AlterModelOptions(name="fxrate", options={"ordering": ("quote", "-valid_from")}),
        # Last, so that it runs first when going back, before the old unique scope returns.
        migrations.RunPython(migrations.RunPython.noop, refuse_rules_of_other_markets),
    ]
