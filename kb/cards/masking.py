"""A definition with its term blanked out, so that a question asking for the term does not answer
itself (the quiz's reverse and choice cards, the exports' definition → term card)."""
from __future__ import annotations

import re

MASK = "＿＿"


def mask(text: str, names: list[str]) -> str:
    """text with every name (the term, its aliases) replaced by MASK, longest first, any case."""
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = re.sub(re.escape(name), MASK, text, flags=re.IGNORECASE)
    return text
