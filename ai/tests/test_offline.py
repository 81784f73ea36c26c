"""The offline provider: every term the project's sample data uses, particles, phrases, what is
kept as it is, and marking what it cannot translate."""

from __future__ import annotations

import pytest

from ai.errors import UnsupportedLanguage
from ai.glossary import has_hangul, shipped_entries
from ai.providers.base import ProviderResult
from ai.providers.offline import OfflineProvider

# The terms the sample data uses, with the Japanese each must become.
REQUIRED = {
    "남성": "メンズ", "여성": "レディース", "공용": "ユニセックス", "반팔": "半袖", "긴팔": "長袖",
    "티셔츠": "Tシャツ", "후드티": "パーカー", "맨투맨": "スウェット", "셔츠": "シャツ", "니트": "ニット",
    "가디건": "カーディガン", "자켓": "ジャケット", "패딩": "ダウンジャケット", "코트": "コート",
    "바지": "パンツ", "청바지": "デニムパンツ", "반바지": "ショートパンツ", "스커트": "スカート",
    "원피스": "ワンピース", "스니커즈": "スニーカー", "운동화": "スニーカー", "샌들": "サンダル",
    "부츠": "ブーツ", "백팩": "バックパック", "토트백": "トートバッグ", "크로스백": "ショルダーバッグ",
    "모자": "帽子", "볼캡": "キャップ", "지갑": "財布", "벨트": "ベルト", "로고": "ロゴ",
    "오버핏": "オーバーサイズ", "슬림핏": "スリムフィット", "스트라이프": "ストライプ", "체크": "チェック",
    "코튼": "コットン", "울": "ウール", "가죽": "レザー", "나일론": "ナイロン", "데님": "デニム",
    "경량": "軽量", "베이직": "ベーシック", "블랙": "ブラック", "화이트": "ホワイト", "네이비": "ネイビー",
    "그레이": "グレー", "베이지": "ベージュ", "브라운": "ブラウン", "레드": "レッド", "블루": "ブルー",
    "그린": "グリーン", "카키": "カーキ", "아이보리": "アイボリー", "핑크": "ピンク", "옐로우": "イエロー",
    "퍼플": "パープル", "오렌지": "オレンジ", "실버": "シルバー", "골드": "ゴールド", "멀티": "マルチ",
    "정품": "正規品", "신상품": "新作", "사이즈": "サイズ", "색상": "カラー", "소재": "素材",
    "원산지": "原産国", "배송": "配送", "관부가세": "関税", "포함": "込み", "해외": "海外",
    "한국": "韓国", "브랜드": "ブランド", "모델명": "型番", "시즌": "シーズン",
}  # fmt: skip


def one(text: str, glossary: dict[str, str] | None = None) -> ProviderResult:
    [result] = OfflineProvider().translate([text], source="ko", target="ja", glossary=glossary)
    return result


def test_the_shipped_glossary_has_hundreds_of_terms_and_every_required_one():
    entries = shipped_entries()
    assert len(entries) >= 300
    assert {k: entries.get(k) for k in REQUIRED} == REQUIRED


@pytest.mark.parametrize(("korean", "japanese"), sorted(REQUIRED.items()))
def test_every_required_term_is_translated_alone(korean, japanese):
    assert one(korean) == ProviderResult(text=japanese)


def test_all_required_terms_in_one_text_keep_their_order_and_spaces():
    result = one(" ".join(REQUIRED))
    # ... 관부가세 포함 ... is also a phrase: 関税込み, not 関税 込み
    assert result.text == " ".join(REQUIRED.values()).replace("関税 込み", "関税込み")


def test_a_sample_title_word_by_word():
    assert one("남성 로고 반팔 티셔츠 블랙").text == "メンズ ロゴ 半袖 Tシャツ ブラック"


def test_compounds_written_without_spaces_are_segmented_by_the_longest_terms():
    assert one("남성반팔티셔츠").text == "メンズ半袖Tシャツ"
    assert one("여성청바지").text == "レディースデニムパンツ"  # not 청 + 바지
    assert one("남성반바지").text == "メンズショートパンツ"
    assert one("울코트").text == "ウールコート"


def test_template_sentences_and_fixed_phrases():
    assert (
        one("한국 정품 매장에서 구매하여 발송합니다.").text
        == "韓国の正規店で購入し発送いたします。"
    )
    assert one("관부가세 포함").text == "関税込み"
    # spacing of a phrase may differ; the phrase still matches
    assert one("관부가세   포함").text == "関税込み"
    description = "100% 정품입니다. 한국 정품 매장에서 구매하여 발송합니다. 관부가세 포함"
    assert one(description).text == "100%正規品です。 韓国の正規店で購入し発送いたします。 関税込み"


def test_particles_between_terms():
    assert one("한국의 정품").text == "韓国の 正規品"
    assert one("남성용 자켓").text == "メンズ用 ジャケット"
    assert one("블랙 및 화이트").text == "ブラック・ホワイト"
    assert one("사이즈및색상").text == "サイズ・カラー"
    assert one("코튼과 나일론").text == "コットンと ナイロン"


def test_numbers_latin_model_numbers_and_punctuation_are_kept():
    result = one(
        "나이키 에어포스 DD1391-100 (270mm) 블랙/화이트, 3 색상!", {"나이키": "Nike(ナイキ)"}
    )
    assert result.needs_human  # 에어포스 is not in any glossary
    assert result.draft == "Nike(ナイキ) 에어포스 DD1391-100 (270mm) ブラック/ホワイト, 3 カラー!"
    result = one("NIKE 로고 티셔츠 AB-12/XL 100% 코튼", {"NIKE": "Nike(ナイキ)"})
    assert result.text == "Nike(ナイキ) ロゴ Tシャツ AB-12/XL 100% コットン"


def test_latin_glossary_keys_match_whole_words_case_insensitively():
    glossary = {"NIKE": "Nike(ナイキ)"}
    assert one("nike 로고", glossary).text == "Nike(ナイキ) ロゴ"
    assert one("SNIKERS 로고", glossary).text == "SNIKERS ロゴ"


def test_the_calls_glossary_adds_brands_and_overrides_shipped_terms():
    assert (
        one("나이키 남성 볼캡", {"나이키": "Nike(ナイキ)"}).text == "Nike(ナイキ) メンズ キャップ"
    )
    assert one("볼캡", {"볼캡": "ベースボールキャップ"}).text == "ベースボールキャップ"
    assert one("나이키 볼캡").needs_human  # without the brand entry


def test_unknown_korean_needs_a_person_with_the_partial_text_as_draft():
    result = one("무신사 스탠다드 남성 반팔 티셔츠")
    assert result.needs_human and result.text is None
    assert result.draft == "무신사 스탠다드 メンズ 半袖 Tシャツ"


def test_one_syllable_terms_only_complete_a_word():
    # 울 is wool, but 서울 is Seoul: not 서 + ウール
    result = one("서울 울 코트")
    assert result.needs_human and result.draft == "서울 ウール コート"


def test_jamo_and_other_hangul_forms_count_as_untranslated():
    assert one("블랙 ㅋㅋ").needs_human


def test_text_without_korean_is_returned_as_it_is():
    assert one("ADIDAS Originals 2024 FW").text == "ADIDAS Originals 2024 FW"


def test_results_never_contain_hangul_unless_marked():
    texts = [
        "남성 로고 반팔 티셔츠 블랙",
        "여성 울 코트 베이지",
        "미지의 상품명",
        "공용 백팩 네이비",
    ]
    for result in OfflineProvider().translate(texts, source="ko", target="ja", glossary=None):
        if result.needs_human:
            assert result.text is None and has_hangul(result.draft)
        else:
            assert not has_hangul(result.text)


def test_other_language_pairs_are_refused():
    with pytest.raises(UnsupportedLanguage, match="ko -> ja only"):
        OfflineProvider().translate(["hello"], source="en", target="ja", glossary=None)
