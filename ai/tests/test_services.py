"""translate_many: shape of the answer, the cache (nothing paid for twice), races, corrections,
bad input, and the configured provider."""

from __future__ import annotations

import threading

import pytest

from ai.errors import InvalidInput, ProviderBadResponse, ProviderConfigError
from ai.models import CachedTranslation
from ai.providers import OfflineProvider, provider_from_settings
from ai.providers.base import ProviderResult
from ai.selectors import translations_needing_human
from ai.services import Translation, translate_many, translation_correct

pytestmark = pytest.mark.django_db

TITLE = "남성 로고 반팔 티셔츠 블랙"
BRAND = {"나이키": "Nike(ナイキ)"}


class CountingProvider(OfflineProvider):
    """The offline provider, counting calls and texts it was asked for."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def translate(self, texts, *, source, target, glossary):
        self.calls.append(list(texts))
        return super().translate(texts, source=source, target=target, glossary=glossary)


def test_results_have_the_inputs_length_and_order():
    texts = [TITLE, "", "   ", "나이키 볼캡 네이비", "무신사 반팔"]
    results = translate_many(texts, glossary=BRAND, provider=CountingProvider())
    assert [r.source_text for r in results] == texts
    assert all(isinstance(r, Translation) for r in results)
    assert results[0] == Translation(
        TITLE, "メンズ ロゴ 半袖 Tシャツ ブラック", False, None, "offline", False
    )
    assert results[1].text == "" and results[2].text == "" and not results[1].needs_human
    assert results[3].text == "Nike(ナイキ) キャップ ネイビー"
    assert results[4].needs_human and results[4].text is None and results[4].draft == "무신사 半袖"


def test_the_default_provider_is_offline():
    [result] = translate_many([TITLE])
    assert result.provider == "offline" and result.text.startswith("メンズ")


def test_a_second_call_makes_no_provider_call():
    provider = CountingProvider()
    texts = [TITLE, "나이키 볼캡", "무신사 반팔"]
    first = translate_many(texts, glossary=BRAND, provider=provider)
    assert provider.calls == [texts] and not any(r.cached for r in first)
    again = translate_many(texts, glossary=BRAND, provider=provider)
    assert len(provider.calls) == 1  # nothing new asked
    assert all(r.cached for r in again)
    assert [(r.text, r.needs_human, r.draft) for r in again] == [
        (r.text, r.needs_human, r.draft) for r in first
    ]
    assert CachedTranslation.objects.count() == 3


def test_only_misses_go_to_the_provider_and_duplicates_once():
    provider = CountingProvider()
    translate_many([TITLE], provider=provider)
    results = translate_many([TITLE, "여성 니트", "여성 니트", " 여성 니트 "], provider=provider)
    assert provider.calls == [[TITLE], ["여성 니트"]]
    assert [r.cached for r in results] == [True, False, False, False]
    assert {r.text for r in results[1:]} == {"レディース ニット"}


def test_misses_are_sent_in_batches(settings):
    settings.YOOINI_AI_BATCH_SIZE = 2
    provider = CountingProvider()
    texts = ["남성 니트", "여성 니트", "남성 코트", "여성 코트", "공용 코트"]
    translate_many(texts, provider=provider)
    assert [len(c) for c in provider.calls] == [2, 2, 1]


def test_the_lookup_is_one_query(django_assert_num_queries):
    provider = CountingProvider()
    texts = [f"남성 니트 {n}" for n in range(50)]
    translate_many(texts, provider=provider)
    with django_assert_num_queries(1):
        results = translate_many(texts, provider=provider)
    assert all(r.cached for r in results)


def test_needs_human_is_cached_until_the_glossary_changes():
    provider = CountingProvider()
    [first] = translate_many(["나이키 볼캡"], provider=provider)
    assert first.needs_human
    [again] = translate_many(["나이키 볼캡"], provider=provider)
    assert again.needs_human and again.cached and len(provider.calls) == 1
    [fixed] = translate_many(["나이키 볼캡"], glossary=BRAND, provider=provider)
    assert fixed.text == "Nike(ナイキ) キャップ" and not fixed.cached and len(provider.calls) == 2


def test_glossary_entries_that_do_not_occur_in_a_text_do_not_change_its_key():
    provider = CountingProvider()
    translate_many([TITLE], provider=provider)
    [result] = translate_many(
        [TITLE], glossary={"아디다스": "adidas(アディダス)"}, provider=provider
    )
    assert result.cached and len(provider.calls) == 1


def test_a_different_provider_or_version_is_a_different_key():
    translate_many([TITLE], provider=CountingProvider())
    other = CountingProvider()
    other.cache_version = "2"
    [result] = translate_many([TITLE], provider=other)
    assert not result.cached and other.calls == [[TITLE]]


def test_a_row_stored_meanwhile_by_another_worker_is_not_an_error():
    class Racing(CountingProvider):
        def translate(self, texts, *, source, target, glossary):
            results = super().translate(texts, source=source, target=target, glossary=glossary)
            # another worker finishes the same texts first
            translate_many(
                texts, source=source, target=target, glossary=glossary, provider=CountingProvider()
            )
            return results

    results = translate_many([TITLE, "여성 니트"], provider=Racing())
    assert [r.text for r in results] == ["メンズ ロゴ 半袖 Tシャツ ブラック", "レディース ニット"]
    assert CachedTranslation.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_store_one_row_per_text():
    texts = [f"여성 니트 {n}" for n in range(20)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work():
        from django.db import connection

        try:
            barrier.wait(timeout=10)
            translate_many(texts, provider=CountingProvider())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert CachedTranslation.objects.count() == 20


def test_a_persons_correction_wins_over_everything():
    [first] = translate_many(["무신사 반팔"], provider=CountingProvider())
    assert first.needs_human
    row = translations_needing_human().get()
    translation_correct(translation=row, text="  MUSINSA 半袖Tシャツ ", by="kim")
    row.refresh_from_db()
    assert (row.text, row.needs_human, row.corrected_by_human, row.corrected_by) == (
        "MUSINSA 半袖Tシャツ",
        False,
        True,
        "kim",
    )
    assert row.corrected_at is not None
    assert not translations_needing_human().exists()

    provider = CountingProvider()
    [again] = translate_many(["무신사 반팔"], provider=provider)
    assert again == Translation(
        "무신사 반팔", "MUSINSA 半袖Tシャツ", False, "무신사 半袖", "human", True
    )
    # ... also with a glossary that changes the key, and with another provider
    [brand] = translate_many(["무신사 반팔"], glossary={"무신사": "MUSINSA"}, provider=provider)
    other = CountingProvider()
    other.name = "openai:test"
    [other_result] = translate_many(["무신사 반팔"], provider=other)
    assert brand.text == other_result.text == "MUSINSA 半袖Tシャツ"
    assert provider.calls == [] and other.calls == []


def test_a_correction_must_have_text():
    translate_many(["무신사 반팔"], provider=CountingProvider())
    row = CachedTranslation.objects.get()
    with pytest.raises(InvalidInput, match="non-empty"):
        translation_correct(translation=row, text="  ")


def test_a_provider_answering_the_wrong_number_of_results_stores_nothing():
    class Short(OfflineProvider):
        def translate(self, texts, **kwargs):
            return [ProviderResult(text="x")]

    with pytest.raises(ProviderBadResponse, match="asked for 2 results, got 1"):
        translate_many([TITLE, "여성 니트"], provider=Short())
    assert not CachedTranslation.objects.exists()


def test_batches_answered_before_an_error_stay_stored(settings):
    settings.YOOINI_AI_BATCH_SIZE = 1

    class FailsSecond(CountingProvider):
        def translate(self, texts, **kwargs):
            if self.calls:
                raise ProviderBadResponse("offline: broken")
            return super().translate(texts, **kwargs)

    with pytest.raises(ProviderBadResponse):
        translate_many([TITLE, "여성 니트"], provider=FailsSecond())
    assert list(CachedTranslation.objects.values_list("source_text", flat=True)) == [TITLE]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"texts": "남성"}, "texts: expected a list of strings, got a str"),
        ({"texts": ["a", None]}, r"texts\[1\]: expected text, got NoneType"),
        ({"texts": ["a"], "source": "korean!"}, "source: expected a language code"),
        ({"texts": ["a"], "target": ""}, "target: expected a language code"),
        ({"texts": ["a"], "glossary": {"나이키": 1}}, r"glossary entry 1 \('나이키'\)"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        translate_many(**kwargs)


def test_provider_from_settings(settings):
    assert provider_from_settings().name == "offline"
    settings.YOOINI_AI_PROVIDER = "deepl"
    with pytest.raises(ProviderConfigError, match="YOOINI_AI_PROVIDER: unknown provider 'deepl'"):
        provider_from_settings()


def test_llm_providers_need_a_key(settings, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    settings.YOOINI_AI_PROVIDER = "openai"
    with pytest.raises(ProviderConfigError, match="set YOOINI_OPENAI_API_KEY"):
        provider_from_settings()
    settings.YOOINI_AI_PROVIDER = "anthropic"
    with pytest.raises(ProviderConfigError, match="set YOOINI_ANTHROPIC_API_KEY"):
        provider_from_settings()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    settings.YOOINI_AI_MODEL = "claude-test"
    assert provider_from_settings().name == "anthropic:claude-test"


def test_bad_numeric_settings_are_named(settings):
    settings.YOOINI_AI_BATCH_SIZE = "many"
    with pytest.raises(ProviderConfigError, match="YOOINI_AI_BATCH_SIZE: expected a whole number"):
        translate_many([TITLE])
