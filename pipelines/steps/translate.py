"""TRANSLATE: each market draft's texts (title, description, option names) into the market's
language, for the accounts whose market does not read Korean.

Through the configured AI provider (``ai.translate_many``: offline glossary by default, OpenAI
or Anthropic when a key is set), whose cache means no text is paid for twice, however many
accounts list the product. A draft is translated again only when its texts or glossary
changed. A text the provider cannot translate marks the product ``needs_human`` on that
account: it is not listed there until a person corrects the translation (in the admin) and the
next run picks the correction up.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ai.services import translate_many
from orchestrator.core.items import SET_ASIDE_KEY, set_aside
from source_data.hashing import text_hash
from source_data.services import source_data_ai_update_many
from suppliers.selectors import collect_unit_for

from ..market_products import (
    SOURCE_LANGUAGE,
    Preparers,
    capabilities_of,
    market_products,
    market_products_save,
    needs_translation,
    run_accounts,
)
from ..products import products_of


def translate(ctx, partition: str, *, markets: Sequence[str] | None = None) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    rows = products_of(unit, active_only=True)
    counts = products_translate(unit.supplier, rows, run_accounts(ctx.params, markets))
    ctx.add_items(counts["items"])
    return {
        **counts,
        SET_ASIDE_KEY: set_aside(["needs a human translation"] * counts["needs_human"]),
    }


def products_translate(supplier: str, rows, accounts, preparers: Preparers | None = None) -> dict:
    """Translate the drafts of ``rows`` on every account whose market needs it, where their
    texts or glossary changed (or a person is awaited). Returns counts: items (drafts held),
    translated (now), needs_human, cached."""
    preparers = preparers or Preparers()
    # Items: the drafts held in the market's language after this pass, whichever attempt
    # translated them; "translated": those done now.
    counts = {"items": 0, "translated": 0, "needs_human": 0, "cached": 0}
    for account in accounts:
        if not needs_translation(account):
            continue
        language = capabilities_of(account).language
        preparer = preparers[account.market]
        todo = []
        for state in market_products(rows, account).values():
            if state.draft is None or state.pk is None:
                continue
            counts["items"] += 1
            texts = preparer.texts(state.draft)
            glossary = dict(state.draft.get("glossary") or {})
            digest = text_hash(json.dumps([texts, glossary], ensure_ascii=False, sort_keys=True))
            # A product waiting for a person is looked at every run: a correction made in
            # the admin is a cache hit that completes it.
            if digest != state.translate_hash or state.needs_human:
                todo.append((state, texts, glossary, digest))
        # One call per glossary (in practice one per brand): the provider batches the texts.
        groups: dict[str, list] = defaultdict(list)
        for item in todo:
            groups[json.dumps(item[2], ensure_ascii=False, sort_keys=True)].append(item)
        for items in groups.values():
            flat = [text for _, texts, _, _ in items for text in texts]
            results = iter(
                translate_many(flat, source=SOURCE_LANGUAGE, target=language, glossary=items[0][2])
            )
            for state, texts, _, digest in items:
                done = [next(results) for _ in texts]
                counts["cached"] += sum(t.cached for t in done)
                state.needs_human = any(t.needs_human for t in done)
                state.texts = [t.text if t.text is not None else (t.draft or "") for t in done]
                state.translate_hash = digest
                state.errors = {k: v for k, v in state.errors.items() if k != "translate"}
                if state.needs_human:
                    counts["needs_human"] += 1
                    untranslated = [t.source_text for t in done if t.needs_human]
                    state.errors["translate"] = "needs human translation: " + " | ".join(
                        untranslated
                    )
        market_products_save(
            [item[0] for item in todo], ["texts", "needs_human", "translate_hash", "errors"]
        )
        _hub_write(supplier, account, language, todo)
        counts["translated"] += len(todo)
    return counts


def _hub_write(supplier: str, account, language: str, todo) -> None:
    """The translations on the source records' ``ai_data`` (``translations[market]``: the
    language, the texts and whether a person is needed), for every product translated."""
    values = {}
    for state, texts, _, _ in todo:
        entry = {
            "language": language,
            "source": texts,
            "texts": state.texts,
            "needs_human": state.needs_human,
        }
        values[state.product.source_id] = {"translations": {account.market: entry}}
    if values:
        source_data_ai_update_many(source_system=supplier, values=values)
