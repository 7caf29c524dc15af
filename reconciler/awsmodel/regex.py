"""Translation of the AWS model's Java-style regular expressions.

botocore's ``pattern`` traits are written for java.util.regex and are matched against the
*whole* value. Two consumers need them in another dialect:

- `python_pattern(java)` -> a compiled Python pattern with the same meaning, used with
  ``fullmatch`` by the constraint check. Java's ``\\p{L}``-style Unicode classes, surrogate
  pairs and ``\\z`` have no Python spelling and are expanded or rewritten; lookarounds are kept.
  Returns None when a construct cannot be translated (the check then skips that pattern).
- `portable_pattern(java)` -> a `PortablePattern` whose ``pattern`` is valid, with one meaning,
  in both Go RE2 (what kube-apiserver evaluates for a CRD ``pattern``) and Python ``re``
  (what our offline validator uses), anchored as ``^(?:...)$`` because JSON-schema patterns
  search rather than match. RE2 has no lookaround, backreferences, possessive quantifiers or
  repetition counts above 1000; Python has no ``\\p{...}``. Removing an assertion or capping a
  count only makes a pattern *looser* (it accepts a superset), which is safe for a first line of
  defence because the full check runs again before any request is sent, so those are
  translated with ``loosened`` set; anything else makes ``pattern`` None (the CRD omits it).

Both functions are pure and cached.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from reconciler.awsmodel.unicode import category_ranges

Target = Literal["python", "portable"]

# Java's \d \w \s are ASCII-only; spelling them out keeps one meaning in every engine.
_ASCII_CLASS_BODY = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\x0B\\f\\r "}
_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": "\\t\\n\\x0B\\f\\r ",
}
_RE2_MAX_REPEAT = 1000
_CLASS_SPECIALS = set("\\]^-[")


class Untranslatable(ValueError):
    """The Java pattern uses a construct the target dialect cannot express."""


@dataclass(frozen=True)
class PortablePattern:
    """A CRD-ready pattern, or None with the reason it could not be expressed."""

    java: str
    pattern: str | None
    loosened: tuple[str, ...] = ()
    dropped_because: str | None = None


@functools.cache
def _category_ranges(category: str) -> str:
    """Python class body for a Unicode general category ("L", "Lu", "N", ...)."""
    return "".join(
        _escape_in_class(lo, "python") + ("" if lo == hi else "-" + _escape_in_class(hi, "python"))
        for lo, hi in category_ranges(category)
    )


def _escape_in_class(code: int, target: Target) -> str:
    char = chr(code)
    if char in _CLASS_SPECIALS:
        return "\\" + char
    if 0x20 <= code < 0x7F:
        return char
    if code < 0x100:
        return f"\\x{code:02X}"
    if target == "python":
        return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"
    if 0xD800 <= code <= 0xDFFF or not char.isprintable():
        raise Untranslatable(f"code point U+{code:04X} has no spelling shared by RE2 and Python")
    return char  # RE2 and Python both take a literal printable character


class _Translator:
    def __init__(self, java: str, target: Target) -> None:
        self.src = java
        self.pos = 0
        self.target = target
        self.out: list[str] = []
        self.loosened: list[str] = []
        # one entry per open group: (output length at "(", True when the group is being removed)
        self.groups: list[tuple[int, bool]] = []
        self.last_atom_removed = False
        self.last_atom_anchor = False

    def fail(self, why: str) -> Untranslatable:
        return Untranslatable(f"{why} in {self.src!r}")

    def peek(self, n: int = 0) -> str:
        i = self.pos + n
        return self.src[i] if i < len(self.src) else ""

    def run(self) -> str:
        while self.pos < len(self.src):
            self.step()
        if self.groups:
            raise self.fail("unbalanced parenthesis")
        return "".join(self.out)

    def emit_atom(self, text: str, *, anchor: bool = False) -> None:
        self.out.append(text)
        self.last_atom_removed = False
        self.last_atom_anchor = anchor

    def step(self) -> None:
        c = self.src[self.pos]
        if c == "\\":
            self.emit_atom(self.escape_outside_class())
        elif c == "[":
            self.emit_atom(self.char_class())
        elif c == "(":
            self.open_group()
        elif c == ")":
            self.close_group()
        elif c in "*+?{":
            self.quantifier()
        elif c in "^$":
            self.pos += 1
            self.emit_atom(c, anchor=True)
        else:
            self.pos += 1
            self.emit_atom(c)

    # --- groups -------------------------------------------------------------------------
    def open_group(self) -> None:
        rest = self.src[self.pos :]
        start = len(self.out)
        for prefix in ("(?<=", "(?<!", "(?=", "(?!"):
            if rest.startswith(prefix):
                self.pos += len(prefix)
                removing = self.target == "portable"
                if removing:
                    self.loosened.append(f"lookaround {prefix}...) removed")
                    self.out.append("")
                else:
                    self.out.append(prefix)
                self.groups.append((start, removing))
                return
        if rest.startswith("(?<"):  # Java named group (?<name>...)
            end = rest.index(">")
            name = rest[3:end]
            self.pos += end + 1
            self.out.append(f"(?P<{name}>" if self.target == "python" else "(")
        elif rest.startswith("(?:"):
            self.pos += 3
            self.out.append("(?:")
        elif rest.startswith("(?"):
            raise self.fail("unsupported group construct")
        else:
            self.pos += 1
            self.out.append("(")
        self.groups.append((start, False))

    def close_group(self) -> None:
        if not self.groups:
            raise self.fail("unbalanced parenthesis")
        start, removing = self.groups.pop()
        self.pos += 1
        if removing:
            del self.out[start:]
            self.last_atom_removed = True
            self.last_atom_anchor = False
        else:
            self.emit_atom(")")

    # --- quantifiers --------------------------------------------------------------------
    def quantifier(self) -> None:
        c = self.src[self.pos]
        if c == "{":
            match = re.match(r"\{(\d+)(,(\d*))?\}", self.src[self.pos :])
            if match is None:  # a literal brace, as in Java
                self.pos += 1
                self.emit_atom("\\{")
                return
            self.pos += match.end()
            low = int(match.group(1))
            if self.last_atom_anchor:
                # Java accepts a repeated anchor (the model has `...)${1,128}`); repeating an
                # assertion at least once means asserting it once, so the count is dropped.
                if low == 0:
                    raise self.fail("optional anchor")
                return
            high = match.group(3)
            text = match.group(0)
            if self.target == "portable" and (
                low > _RE2_MAX_REPEAT or (high is not None and high != "" and int(high) > _RE2_MAX_REPEAT)
            ):
                if low > _RE2_MAX_REPEAT:
                    raise self.fail("repetition count above RE2's limit of 1000")
                self.loosened.append(f"repetition {text} widened to {{{low},}}")
                text = f"{{{low},}}"
        else:
            self.pos += 1
            text = c
        if self.peek() == "?":
            self.pos += 1
            text += "?"
        elif self.peek() == "+":
            self.pos += 1
            if self.target == "python":
                text += "+"
            else:
                self.loosened.append("possessive quantifier made greedy")
        if self.last_atom_removed:
            return  # the quantified assertion was removed, so is its quantifier
        if self.last_atom_anchor:
            raise self.fail("quantified anchor")
        self.out.append(text)

    # --- escapes ------------------------------------------------------------------------
    def read_escape(self) -> tuple[str, str]:
        """Consume one escape; return (kind, payload)."""
        self.pos += 1
        c = self.peek()
        if not c:
            raise self.fail("trailing backslash")
        self.pos += 1
        if c in "pP":
            if self.peek() == "{":
                end = self.src.index("}", self.pos)
                name = self.src[self.pos + 1 : end]
                self.pos = end + 1
            else:
                name = self.peek()
                self.pos += 1
            return ("negprop" if c == "P" else "prop", name)
        if c == "u":
            code = int(self.src[self.pos : self.pos + 4], 16)
            self.pos += 4
            # Java spells supplementary characters as UTF-16 surrogate pairs.
            if 0xD800 <= code <= 0xDBFF and self.src[self.pos : self.pos + 2] == "\\u":
                low = int(self.src[self.pos + 2 : self.pos + 6], 16)
                if 0xDC00 <= low <= 0xDFFF:
                    self.pos += 6
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            return ("char", chr(code))
        if c == "x":
            if self.peek() == "{":
                end = self.src.index("}", self.pos)
                code = int(self.src[self.pos + 1 : end], 16)
                self.pos = end + 1
            else:
                code = int(self.src[self.pos : self.pos + 2], 16)
                self.pos += 2
            return ("char", chr(code))
        simple = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "a": "\a", "e": "\x1b"}
        if c in simple:
            return ("char", simple[c])
        if c in "dwsDWS":
            return ("class", c)
        if c in "bBAzZG":
            return ("assert", c)
        if c.isalnum():
            raise self.fail(f"unsupported escape \\{c}")
        return ("char", c)

    def prop_body(self, name: str) -> str:
        if name in _POSIX_CLASSES:
            return _POSIX_CLASSES[name]
        bare = name[2:] if name.startswith("Is") else name
        if self.target == "python" and re.fullmatch(r"[A-Z][a-z]?", bare):
            return _category_ranges(bare)
        raise self.fail(f"Unicode property \\p{{{name}}}")

    def escape_outside_class(self) -> str:
        kind, payload = self.read_escape()
        if kind == "char":
            return re.escape(payload) if payload.isascii() else self.literal(payload)
        if kind == "class":
            if payload in _ASCII_CLASS_BODY:
                return f"[{_ASCII_CLASS_BODY[payload]}]"
            return f"[^{_ASCII_CLASS_BODY[payload.lower()]}]"
        if kind in ("prop", "negprop"):
            return ("[^" if kind == "negprop" else "[") + self.prop_body(payload) + "]"
        # assertions
        if payload in "bBA":
            return "\\" + payload
        if payload in "zZ":
            if self.target == "python":
                return "\\Z"
            raise self.fail("end-of-input assertion")
        raise self.fail("\\G")

    def literal(self, char: str) -> str:
        return _escape_in_class(ord(char), self.target)

    # --- character classes -----------------------------------------------------------------
    def char_class(self) -> str:
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        parts: list[str] = []
        first = True
        while True:
            c = self.peek()
            if not c:
                raise self.fail("unterminated character class")
            if c == "]" and not first:
                self.pos += 1
                break
            if c == "[" or self.src.startswith("&&", self.pos):
                raise self.fail("nested class or class intersection")
            first = False
            low = self.class_atom()
            if isinstance(low, str) and self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                high = self.class_atom()
                if not isinstance(high, str):
                    raise self.fail("range to a class escape")
                parts.append(f"{self.literal(low)}-{self.literal(high)}")
            elif isinstance(low, str):
                parts.append(self.literal(low))
            else:
                parts.append(low[0])
        body = "".join(parts)
        return ("[^" if negated else "[") + body + "]"

    def class_atom(self) -> str | tuple[str]:
        """A single character (str) or an already-rendered class body fragment (1-tuple)."""
        c = self.src[self.pos]
        if c != "\\":
            self.pos += 1
            return c
        kind, payload = self.read_escape()
        if kind == "char":
            return payload
        if kind == "class":
            if payload in _ASCII_CLASS_BODY:
                return (_ASCII_CLASS_BODY[payload],)
            return ("\\" + payload,)  # \S \D \W: same spelling (nearly same meaning) in all engines
        if kind == "prop":
            return (self.prop_body(payload),)
        raise self.fail("negated property or assertion inside a class")


@functools.cache
def python_pattern(java: str) -> re.Pattern[str] | None:
    """The compiled Python equivalent of a Java model pattern (use with fullmatch), or None."""
    try:
        translator = _Translator(java, "python")
        text = translator.run()
        return re.compile(text)
    except (Untranslatable, re.error, ValueError):
        return None


@functools.cache
def portable_pattern(java: str) -> PortablePattern:
    """A pattern valid in both RE2 and Python re, anchored, or the reason there is none."""
    translator = _Translator(java, "portable")
    try:
        body = translator.run()
        text = f"^(?:{body})$"
        re.compile(text)
    except (Untranslatable, re.error, ValueError) as exc:
        return PortablePattern(java=java, pattern=None, dropped_because=str(exc))
    return PortablePattern(java=java, pattern=text, loosened=tuple(translator.loosened))
