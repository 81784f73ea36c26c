"""The dated FX table: the KRW rate of a currency on a day (1 for won), setting rates, and
``yooini fx_rate``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from pricing.models import FxRate
from pricing.services import FxRateMissing, fx_rate_on, fx_rate_set

pytestmark = pytest.mark.django_db


def _table() -> None:
    fx_rate_set(Decimal("9.20"), date(2026, 10, 1), "october")
    fx_rate_set("9.35", date(2026, 11, 1), "november")
    fx_rate_set(9, date(2026, 12, 1))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 1), Decimal("9.2")),  # the first day of a rate
        (date(2026, 10, 31), Decimal("9.2")),
        (date(2026, 11, 1), Decimal("9.35")),
        (date(2026, 11, 30), Decimal("9.35")),
        (date(2027, 6, 1), Decimal(9)),  # the latest rate stays in effect
    ],
)
def test_rate_of_a_day_is_the_latest_from_that_day_or_before(day: date, expected: Decimal) -> None:
    _table()
    assert fx_rate_on(day).krw_per_unit == expected


def test_no_rate_yet_names_the_day() -> None:
    with pytest.raises(FxRateMissing, match="no KRW/JPY rate valid on 2026-11-05"):
        fx_rate_on(date(2026, 11, 5))
    _table()
    with pytest.raises(FxRateMissing, match="2026-09-30") as caught:
        fx_rate_on(date(2026, 9, 30))
    assert caught.value.day == date(2026, 9, 30)


def test_a_datetime_is_not_a_day() -> None:
    with pytest.raises(TypeError, match="day must be a date, got datetime"):
        fx_rate_on(datetime(2026, 11, 5, 12))


def test_setting_a_day_again_replaces_its_rate() -> None:
    fx_rate_set("9.35", date(2026, 11, 1), "first")
    row = fx_rate_set("9.40", date(2026, 11, 1), "corrected")
    assert FxRate.objects.count() == 1
    assert (row.krw_per_unit, row.source) == (Decimal("9.40"), "corrected")
    assert fx_rate_on(date(2026, 11, 2)).source == "corrected"


@pytest.mark.parametrize(
    ("rate", "words"),
    [
        (9.35, "not float"),
        ("nine", "not a number: 'nine'"),
        ("-9", "must be a finite number > 0"),
        ("NaN", "must be a finite number > 0"),
        ("0.108", "the inverse"),
        ("0.0001", "outside [0.001, 100000]"),
        ("920", "outside [1, 100]"),
        ("9.1234567", "6 decimal places"),
    ],
)
def test_bad_rates_are_refused_with_the_reason(rate: object, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        fx_rate_set(rate, date(2026, 11, 1))  # type: ignore[arg-type]
    assert any(words in m for m in caught.value.message_dict["krw_per_unit"])
    assert not FxRate.objects.exists()


def _command(*args: str) -> str:
    out = StringIO()
    call_command("fx_rate", *args, stdout=out)
    return out.getvalue()


def test_command_sets_and_lists() -> None:
    out = _command("set", "9.35", "--from", "2026-11-01", "--source", "KEB Hana 11/01")
    assert "KRW/JPY 9.35 from 2026-11-01 (KEB Hana 11/01)" in out
    _command("set", "9.2", "--from", "2026-10-01")
    today = timezone.localdate()
    _command("set", "9.5", "--from", today.isoformat())

    rows = _command("list").splitlines()
    assert rows[0] == "KRW/JPY"
    assert rows[1].split() == ["valid_from", "krw_per_unit", "source"]
    assert [r.split()[0] for r in rows[2:]] == [today.isoformat(), "2026-11-01", "2026-10-01"]
    assert rows[2].endswith("<- today")
    assert "KEB Hana 11/01" in rows[3] and "9.35" in rows[3]
    assert len(_command("list", "--limit", "1").splitlines()) == 3


def test_command_from_defaults_to_today() -> None:
    _command("set", "9.1")
    assert fx_rate_on(timezone.localdate()).krw_per_unit == Decimal("9.1")


def test_command_lists_an_empty_table() -> None:
    assert "no KRW/JPY rate set" in _command("list")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("set", "0.108", "--from", "2026-11-01"),
            "krw_per_unit: must be the won paid for one JPY",
        ),
        (("set", "abc", "--from", "2026-11-01"), "not a number"),
        (("set", "9.35", "--from", "11/01/2026"), "--from must be a day as YYYY-MM-DD"),
        (("list", "--limit", "0"), "--limit must be >= 1"),
    ],
)
def test_command_errors_say_what_is_wrong(args: tuple[str, ...], words: str) -> None:
    with pytest.raises(CommandError, match=words.replace("(", r"\(")):
        _command(*args)
    assert not FxRate.objects.exists()


# --- other currencies ----------------------------------------------------------------------


def test_each_currency_has_its_own_table() -> None:
    _table()
    fx_rate_set("1405.5", date(2026, 11, 1), "bank", currency="USD")
    assert fx_rate_on(date(2026, 11, 15), currency="USD").krw_per_unit == Decimal("1405.5")
    assert fx_rate_on(date(2026, 11, 15)).krw_per_unit == Decimal("9.35")  # JPY by default
    assert fx_rate_on(date(2026, 11, 15), currency="JPY").quote == "JPY"
    with pytest.raises(FxRateMissing, match="no KRW/USD rate valid on 2026-10-15") as caught:
        fx_rate_on(date(2026, 10, 15), currency="USD")  # the yen rate of that day does not do
    assert (caught.value.day, caught.value.currency) == (date(2026, 10, 15), "USD")
    assert "--currency USD" in str(caught.value)


def test_won_are_one_won_each_without_a_row_or_a_query(django_assert_num_queries) -> None:
    day = date(2026, 11, 5)
    with django_assert_num_queries(0):
        rate = fx_rate_on(day, currency="KRW")
    assert isinstance(rate, FxRate) and rate.pk is None
    assert (rate.base, rate.quote, rate.krw_per_unit, rate.valid_from) == (
        "KRW",
        "KRW",
        Decimal(1),
        day,
    )
    assert not FxRate.objects.exists()


@pytest.mark.parametrize("currency", ["jpy", "JP", "", 392])
def test_a_currency_that_is_not_a_code_is_refused(currency: object) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        fx_rate_on(date(2026, 11, 5), currency=currency)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("currency", "rate", "field", "words"),
    [
        ("KRW", "1", "quote", "KRW per KRW is always 1"),
        ("usd", "1400", "quote", "ISO 4217"),
        ("USD", "9.2", "krw_per_unit", "must be the won paid for one USD (about 1,400)"),
        ("USD", "0.0007", "krw_per_unit", "the inverse"),
        ("CNY", "9.2", "krw_per_unit", "outside [10, 1000]"),
    ],
)
def test_bad_rates_of_other_currencies_are_refused(
    currency: str, rate: str, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        fx_rate_set(rate, date(2026, 11, 1), currency=currency)
    assert any(words in m for m in caught.value.message_dict[field]), caught.value.message_dict
    assert not FxRate.objects.exists()


def test_command_sets_and_lists_another_currency() -> None:
    _table()
    out = _command("set", "1405.5", "--currency", "usd", "--from", "2026-11-01")
    assert "KRW/USD 1405.5 from 2026-11-01 (no source)" in out
    rows = _command("list", "--currency", "USD").splitlines()
    assert rows[0] == "KRW/USD"
    assert [r.split()[:2] for r in rows[2:]] == [["2026-11-01", "1405.5"]]
    assert "no KRW/EUR rate set" in _command("list", "--currency", "EUR")
    assert FxRate.objects.filter(quote="JPY").count() == 3


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("set", "1", "--currency", "KRW"), "won are priced at 1 won per won"),
        (("list", "--currency", "KRW"), "won are priced at 1 won per won"),
        (("set", "9", "--currency", "YEN1"), "--currency must be an ISO 4217 code"),
    ],
)
def test_command_refuses_a_bad_currency(args: tuple[str, ...], words: str) -> None:
    with pytest.raises(CommandError, match=words):
        _command(*args)
    assert not FxRate.objects.exists()
