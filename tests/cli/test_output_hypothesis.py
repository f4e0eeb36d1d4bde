"""
Property: whatever text the command prints, a terminal gets nothing to act on.

``inert()`` (lines for people) leaves only printable characters and
spaces, changes printable text not at all and is stable when applied
twice; ``dump_json()`` keeps every string exact for a JSON reader while
writing no character a terminal would act on.
"""

from __future__ import annotations

import io
import json
import unicodedata
from typing import Final

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from moment_async._cli._output import dump_json, inert

#: Text of any code point, control and format characters included.
ANY_TEXT: Final = st.text(st.characters(codec=None), max_size=40)
#: What JSON can hold: no lone surrogates.
JSON_TEXT: Final = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)

#: The characters the issue names, one of each kind.
NAMED: Final = (
    [chr(c) for c in range(0x20)]
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + ["\u200e", "\u200f", "\u2028", "\u2029"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)


def safe(char: str) -> bool:
    """
    Whether a terminal shows *char* as it is (a printable character or a space).
    """
    return char.isprintable() or unicodedata.category(char) == "Zs"


@pytest.mark.parametrize("char", NAMED, ids=[f"U+{ord(c):04X}" for c in NAMED])
def test_each_named_character_is_shown_as_its_escape(char):
    """C0, DEL, C1, the bidi controls and the line separators each become their repr() escape."""
    assert repr(char)[1:-1] == inert(char)


@given(text=ANY_TEXT)
@example(text="\x1b[2J\x1b]0;t\x07\r\n\t\u202e")
def test_inert_text_holds_only_what_a_terminal_shows(text):
    """inert() leaves no character a terminal acts on, and a second pass changes nothing."""
    shown = inert(text)

    assert all(safe(char) for char in shown)
    assert shown == inert(shown)


@given(text=st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=40))
@example(text="데모 구매자 buyers \\x1b")
def test_printable_text_is_unchanged(text):
    """Names in any script, with spaces, punctuation and backslashes, print as they are."""
    assert text == inert(text)


@given(
    value=st.recursive(
        JSON_TEXT | st.integers(-(2**63), 2**63 - 1) | st.none(),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(JSON_TEXT, inner, max_size=3)
        ),
        max_leaves=10,
    )
)
@example(value={"name": "\x1b]0;t\x07\x7f\x85\u202e\u2028\U000e0001"})
@pytest.mark.parametrize("indent", [True, False])
def test_json_is_exact_and_inert(value, indent):
    """dump_json() gives a JSON reader the very value, in text with nothing but printable characters and line breaks."""
    out = io.StringIO()

    dump_json(value, out, indent=indent)

    assert value == json.loads(out.getvalue())
    assert all(safe(char) or char == "\n" for char in out.getvalue())
