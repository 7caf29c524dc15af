"""Translation of the model's Java regular expressions (for checks, and for CRD patterns)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.awsmodel.loader import shapes
from reconciler.awsmodel.regex import portable_pattern, python_pattern
from reconciler.awsmodel.schema import reachable_shapes

ALL_PATTERNS = sorted({s["pattern"] for s in shapes().values() if "pattern" in s})
_LOOKAROUND_OR_BACKREF = re.compile(r"\(\?<?[=!]|\\[1-9]|\\k<|\(\?>|[*+?}]\+")
_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")


def test_every_model_pattern_translates_for_the_check() -> None:
    missing = [p for p in ALL_PATTERNS if python_pattern(p) is None]
    assert missing == []


@pytest.mark.parametrize("java", ALL_PATTERNS)
def test_portable_patterns_are_valid_in_python_and_within_re2s_syntax(java: str) -> None:
    portable = portable_pattern(java)
    if portable.pattern is None:
        assert portable.dropped_because
        return
    re.compile(portable.pattern)
    assert _LOOKAROUND_OR_BACKREF.search(portable.pattern) is None
    assert "\\p{" not in portable.pattern and "\\z" not in portable.pattern and "\\Z" not in portable.pattern
    for low, high in _REPEAT.findall(portable.pattern):
        assert int(low) <= 1000 and (not high or int(high) <= 1000)
    assert portable.pattern.startswith("^(?:") and portable.pattern.endswith(")$")


@pytest.mark.parametrize(
    ("java", "accepted", "rejected"),
    [
        ("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}", ["a", "a--b", "A1"], ["-a", "a-", "", "a_b"]),
        # Java's \p{L} etc. are Unicode classes: accented letters and spaces are tag characters.
        ("([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)", ["café au lait", "k=v/1", "東京", ""], ["a#b", "tab\there"]),
        # A trailing lookbehind: no hyphen at the end.
        ("([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)", ["abc", "a-b"], ["abc-"]),
        # Java spells supplementary characters as surrogate pairs.
        ("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*", ["ok 😀\t"], ["bell\x07"]),
        # Java \d and \s are ASCII-only.
        ("\\d+", ["123"], ["١٢٣"]),
        ("(?!\\s*$).+", ["x", " x"], ["   "]),
        ("arn:[\\p{Alnum}\\-]+:lambda:.*", ["arn:aws-cn:lambda:f"], ["arn:aws_x:lambda:f"]),
        # A repeated anchor is one anchor.
        ("([\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@]*)${1,128}", ["key"], ["k#"]),
    ],
)
def test_python_translation_keeps_javas_meaning(java: str, accepted: list[str], rejected: list[str]) -> None:
    compiled = python_pattern(java)
    assert compiled is not None
    assert [s for s in accepted if compiled.fullmatch(s) is None] == []
    assert [s for s in rejected if compiled.fullmatch(s) is not None] == []


def test_portable_translation_reports_what_it_loosened_or_dropped() -> None:
    assert portable_pattern("[a-z]{1,2048}").loosened == ("repetition {1,2048} widened to {1,}",)
    assert portable_pattern("[a-z]+(?<!-)").pattern == "^(?:[a-z]+)$"
    dropped = portable_pattern("[\\p{L}]*")
    assert (
        dropped.pattern is None
        and dropped.dropped_because is not None
        and "\\p{L}" in dropped.dropped_because
    )
    exact = portable_pattern("[a-zA-Z0-9:/_-]*")
    assert exact.pattern == "^(?:[a-zA-Z0-9:/_\\-]*)$" and exact.loosened == ()


def _crd_patterns() -> list[str]:
    seen: set[str] = set()
    names = [
        *reachable_shapes("CreateHyperParameterTuningJobRequest", seen),
        *reachable_shapes("CreateTrainingJobRequest", seen),
    ]
    return sorted({shapes()[n]["pattern"] for n in names if "pattern" in shapes()[n]})


@pytest.mark.parametrize("java", [p for p in _crd_patterns() if portable_pattern(p).pattern is not None])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_portable_patterns_accept_everything_the_model_accepts(java: str, data: st.DataObject) -> None:
    """Loosening is allowed, tightening never: a value SageMaker takes must pass the CRD too."""
    exact = python_pattern(java)
    portable = portable_pattern(java).pattern
    assert exact is not None and portable is not None
    value = data.draw(st.from_regex(exact, fullmatch=True).filter(lambda s: "\n" not in s))
    assert re.search(portable, value) is not None, (java, portable, value)


@pytest.mark.parametrize("category", ["L", "Lu", "N", "Z", "P", "S", "M"])
def test_unicode_category_classes_match_unicodedata(category: str) -> None:
    import sys
    import unicodedata

    compiled = python_pattern(f"\\p{{{category}}}")
    assert compiled is not None
    sample = range(0, sys.maxunicode + 1, 97)
    wrong = [
        hex(c)
        for c in sample
        if (compiled.fullmatch(chr(c)) is not None) != unicodedata.category(chr(c)).startswith(category)
    ]
    assert wrong == []
