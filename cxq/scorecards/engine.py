"""The bridge between stored versions and the pure scoring engine: parse + compile once per
version content, cached in-process (a version's scoring never changes; cosmetic edits only touch
texts, and the cache key includes the content so it stays correct either way)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from cxq.scoring import CompiledScorecard, compile_scorecard, parse_document


def document_fingerprint(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@lru_cache(maxsize=256)
def _compiled(fingerprint: str, payload: str) -> CompiledScorecard:
    return compile_scorecard(parse_document(json.loads(payload)))


def compiled_for(document: dict) -> CompiledScorecard:
    payload = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return _compiled(hashlib.sha256(payload.encode()).hexdigest(), payload)
