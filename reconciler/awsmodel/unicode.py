"""Unicode general categories as code point ranges, for Java's ``\\p{L}``-style class escapes.

Contract: `category_ranges(category)` returns the sorted, merged, inclusive code point ranges of
a one-letter ("L") or two-letter ("Lu") Unicode general category, per the Unicode database of
the running Python (`unicodedata`). Python's ``re`` has no ``\\p{...}``, so the constraint check
spells these classes out. Computed lazily in one pass over all code points (~0.2 s) and cached.
"""

from __future__ import annotations

import functools
import sys
import unicodedata

Ranges = tuple[tuple[int, int], ...]


@functools.cache
def _ranges_by_category() -> dict[str, list[tuple[int, int]]]:
    """Ranges of every two-letter category, from one pass over the code points."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    category_of = unicodedata.category
    current, start = category_of("\0"), 0
    for code in range(1, sys.maxunicode + 1):
        category = category_of(chr(code))
        if category != current:
            ranges.setdefault(current, []).append((start, code - 1))
            current, start = category, code
    ranges.setdefault(current, []).append((start, sys.maxunicode))
    return ranges


@functools.cache
def category_ranges(category: str) -> Ranges:
    """Merged inclusive ranges of the category ("L" covers Lu, Ll, Lt, Lm and Lo)."""
    by_category = _ranges_by_category()
    chosen = sorted(r for name, found in by_category.items() if name.startswith(category) for r in found)
    merged: list[tuple[int, int]] = []
    for low, high in chosen:
        if merged and merged[-1][1] == low - 1:
            merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return tuple(merged)
