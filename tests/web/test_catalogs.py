"""Message catalogs: every language complete, every key the pages use defined."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "src" / "snapset" / "web" / "static"
ENTRY = re.compile(r"^\s*'([a-z_][a-z0-9_.]*)':\s*'((?:[^'\\]|\\.)*)',\s*$", re.M)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A quoted key literal in the page code: 'area.name' (two or more dotted parts).
KEY_USE = re.compile(r"'([a-z_]+(?:\.[a-z_]+)+)'")
NOT_KEYS = {"signature.png"}


def catalog(lang: str) -> dict[str, str]:
    text = (STATIC / "shared" / "i18n" / f"{lang}.js").read_text(encoding="utf-8")
    entries = dict(ENTRY.findall(text))
    assert len(entries) == text.count("\n  '"), f"{lang}.js has lines the test cannot parse"
    return entries


def test_every_language_has_every_english_key_with_the_same_placeholders() -> None:
    en = catalog("en")
    assert len(en) > 250
    for lang in ("es", "zh"):
        other = catalog(lang)
        assert set(other) == set(en), (
            f"{lang}: missing {set(en) - set(other)}, extra {set(other) - set(en)}"
        )
        for key, text in en.items():
            assert set(PLACEHOLDER.findall(other[key])) == set(PLACEHOLDER.findall(text)), (
                lang,
                key,
            )
            if not key.startswith("export.format."):
                assert other[key] != text or len(text) < 4, f"{lang}: {key} is not translated"


def test_every_key_used_in_the_pages_is_in_the_catalog() -> None:
    en = catalog("en")
    used: set[str] = set()
    for js in (STATIC / "app").glob("*.js"):
        used |= set(KEY_USE.findall(js.read_text(encoding="utf-8")))
    for js in (STATIC / "admin").glob("*.js"):
        used |= set(KEY_USE.findall(js.read_text(encoding="utf-8")))
    used |= set(KEY_USE.findall((STATIC / "shared" / "ui.js").read_text(encoding="utf-8")))
    used -= NOT_KEYS
    missing = sorted(k for k in used if k not in en)
    assert not missing, f"keys used but not in en.js: {missing}"


def test_dynamic_keys_exist() -> None:
    en = catalog("en")
    dynamic = [
        *(f"status.{s}" for s in ("pending", "verified", "rejected", "suspended")),
        *(f"verdict.{v}" for v in ("accepted", "needs_review", "rejected", "pending")),
        *(f"campaign.status.{s}" for s in ("draft", "active", "paused", "closed")),
        *(f"campaign.action.{a}" for a in ("activate", "pause", "close")),
        *(f"export.status.{s}" for s in ("queued", "running", "done", "failed")),
        *(
            f"reason.{c}"
            for c in (
                "blurry",
                "dark",
                "bright",
                "noisy",
                "low_information",
                "grayscale",
                "odd_aspect_ratio",
                "low_resolution",
                "near_duplicate",
                "unreadable",
                "decompression_bomb",
                "unsupported_format",
                "empty_file",
                "truncated",
            )
        ),
        "verify.identity",
        "verify.selfie",
        "verify.identity_hint",
        "verify.selfie_hint",
        "review.approved",
        "review.rejected",
    ]
    assert [k for k in dynamic if k not in en] == []
