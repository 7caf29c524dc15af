"""Short plain-text field descriptions from the SageMaker model's documentation strings.

Contract: `summary(html)` turns one botocore ``documentation`` string (HTML: ``<p>``, ``<a>``,
``<code>``, lists) into the plain text `kubectl explain` shows: tags stripped, link targets
dropped (the anchor text stays), entities decoded, whitespace collapsed, sentences that only point
elsewhere ("For more information, see ...") left out, then the first sentence -- and the second
too when the first is shorter than `SHORT_SENTENCE` characters -- cut at `MAX_CHARS` on a word
boundary. "" when nothing is left. `member_description(structure, member)` is the summary of the
member's own documentation, else of its shape's.
Why short: `kubectl apply` keeps the whole CRD in the last-applied annotation (256 KiB for all
annotations of an object), and the CRDs write shared sub-schemas out in full, so every description
is repeated wherever its shape appears.
Pure: no I/O beyond the cached model load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape
from html.parser import HTMLParser
from typing import Any

from reconciler.awsmodel.loader import shape

SHORT_SENTENCE = 60
MAX_CHARS = 240
_POINTERS = ("for more information", "for information", "see ", "to learn more", "for an example")
# A sentence ends at . ! or ? followed by space and a capital or digit; "e.g. x" and "1.5" do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


class _Text(HTMLParser):
    """Collects text content; block elements and list items become sentence breaks."""

    _BREAKS = frozenset({"p", "li", "ul", "ol", "br", "dd", "dt", "note", "important"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """HTML -> text with paragraphs kept as lines (links reduced to their anchor text)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in unescape("".join(parser.parts)).split("\n"))
    return "\n".join(line for line in lines if line)


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for paragraph in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return out


def _is_pointer(sentence: str) -> bool:
    return sentence.lower().startswith(_POINTERS)


def summary(html: str) -> str:
    """The first sentence (or two) of a documentation string, as plain text (see module doc)."""
    # A sentence that introduces a list ("... the following fields:") ends with a full stop here.
    sentences = [
        s[:-1] + "." if s.endswith(":") else s for s in _sentences(plain_text(html)) if not _is_pointer(s)
    ]
    if not sentences:
        return ""
    text = sentences[0]
    if len(text) < SHORT_SENTENCE and len(sentences) > 1:
        text = f"{text} {sentences[1]}"
    if len(text) > MAX_CHARS:
        cut = text[: MAX_CHARS - 3].rsplit(" ", 1)[0].rstrip(",;:")
        text = cut + "..."
    return text


def member_description(structure: Mapping[str, Any], member: str) -> str:
    """The summary of a structure member's documentation, else of its shape's documentation."""
    spec = structure["members"][member]
    own = summary(str(spec.get("documentation", "")))
    if own:
        return own
    return summary(str(shape(spec["shape"]).get("documentation", "")))
