"""TRANSLATE: the draft's Korean title, description and colour names into Japanese.

Through the configured AI provider (``ai.translate_many``: offline glossary by default, OpenAI
or Anthropic when a key is set), whose cache means no text is paid for twice. A product is
translated again only when its texts or glossary changed. A text the provider cannot translate
marks the product ``needs_human``: it is not listed until a person corrects the translation
(in the admin) and the next run picks the correction up.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from ai.services import translate_many
from markets.buyma.templates import TITLE_MAX_WIDTH, buyma_width
from source_data.hashing import text_hash
from suppliers.selectors import collect_unit_for

from ..products import products_of, products_save


def translate(ctx, partition: str) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    todo = []
    for row in products_of(unit, active_only=True):
        if row.draft is None:
            continue
        texts, glossary = _texts_of(row.draft)
        digest = text_hash(json.dumps([texts, glossary], ensure_ascii=False, sort_keys=True))
        # A product waiting for a person is looked at every run: a correction made in the
        # admin is a cache hit that completes it.
        if digest != row.translate_hash or row.needs_human:
            todo.append((row, texts, glossary, digest))

    # One call per glossary (in practice one per brand): the provider batches the texts.
    groups: dict[str, list] = defaultdict(list)
    for item in todo:
        groups[json.dumps(item[2], ensure_ascii=False, sort_keys=True)].append(item)
    needs_human, cached = 0, 0
    for items in groups.values():
        flat = [text for _, texts, _, _ in items for text in texts]
        results = iter(translate_many(flat, source="ko", target="ja", glossary=items[0][2]))
        for row, texts, _, digest in items:
            done = [next(results) for _ in texts]
            cached += sum(t.cached for t in done)
            row.needs_human = any(t.needs_human for t in done)
            japanese = [t.text if t.text is not None else (t.draft or "") for t in done]
            row.texts = {
                "name": fit_title(japanese[0]),
                "comments": japanese[1],
                "values": dict(zip(texts[2:], japanese[2:], strict=True)),
                "untranslated": [t.source_text for t in done if t.needs_human],
            }
            row.translate_hash = digest
            row.errors = {k: v for k, v in row.errors.items() if k != "translate"}
            if row.needs_human:
                needs_human += 1
                row.errors["translate"] = "needs human translation: " + " | ".join(
                    row.texts["untranslated"]
                )
    rows = [item[0] for item in todo]
    products_save(rows, ["texts", "needs_human", "translate_hash", "errors"])
    ctx.add_items(len(rows))
    return {"items": len(rows), "needs_human": needs_human, "cached": cached}


def _texts_of(draft: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Title, description, then each colour name once; and the draft's glossary."""
    colours = list(dict.fromkeys(c["value_ko"] for c in draft.get("colors") or ()))
    return [draft["title_ko"], draft["description_ko"], *colours], dict(draft.get("glossary") or {})


def fit_title(name: str) -> str:
    """The Japanese title within BUYMA's width (a full-width character counts two): words
    are dropped from before the model number, which stays last, and the brand, which stays
    first; a title still too long is cut."""
    words = name.split()
    while buyma_width(" ".join(words)) > TITLE_MAX_WIDTH and len(words) > 2:
        del words[-2]
    fitted = " ".join(words)
    while buyma_width(fitted) > TITLE_MAX_WIDTH:
        fitted = fitted[:-1]
    return fitted.strip()
