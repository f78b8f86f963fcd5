"""LaTeX math as Unicode text: Greek letters, operators, super- and subscripts where Unicode has
them, ``\\frac{a}{b}`` as ``a/b``, ``\\sqrt{x}`` as ``√x``.

pylatexenc's ``LatexNodes2Text`` knows the symbols (it is well kept, pure Python and has no
dependencies); what it flattens (``x^{10}`` into ``x^10``, ``\\frac{a+b}{c}`` into ``a+b/c``)
is done here instead. It is imported with the first formula: start-up does not pay for it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text
    from pylatexenc.latexwalker import LatexContextDb

SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ∞",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ\u221e",
        strict=True,
    )
)
del SUPERSCRIPTS["∞"]  # Unicode has no superscript infinity
SUBSCRIPTS = dict(
    zip(
        "0123456789+-=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)
# A space between two macros (``\alpha \leq \beta``) is dropped by pylatexenc; an empty group
# after the first one keeps it.
_SPACED_MACROS = re.compile(r"(\\[A-Za-z]+)(\s+)(?=\\[A-Za-z])")
ROOTS = {"": "√", "2": "√", "3": "∛", "4": "∜"}
# Formulas converted, kept: a streamed reply lays out the same paragraph again and again.
CACHE_SIZE = 512


def latex_to_text(source: str) -> str:
    """The formula ``source`` (without its ``$`` delimiters) as Unicode text.

    Never fails: LaTeX it cannot read comes back as written, stripped of surrounding space.
    """
    return _convert(source.strip())


@functools.lru_cache(maxsize=CACHE_SIZE)
def _convert(source: str) -> str:
    from pylatexenc.latexwalker import LatexWalker

    walker_context, converter = _machinery()
    try:
        spaced = _SPACED_MACROS.sub(r"\1{}\2", source)
        walker = LatexWalker(spaced, latex_context=walker_context, tolerant_parsing=True)
        nodes, _, _ = walker.get_latex_nodes()
        text: str = converter.nodelist_to_text(nodes)
    except Exception:  # pylatexenc's errors are many and undocumented: show the source
        return source
    return " ".join(text.split())


def scripted(text: str, table: dict[str, str], mark: str) -> str:
    """``text`` in super- or subscript characters (``table``) if Unicode has them all, else
    written with ``mark`` (``^`` or ``_``): ``x^2`` as ``x²``, ``x^{y+1}`` as ``x^(y+1)``."""
    text = text.strip()
    if text and all(char in table for char in text):
        return "".join(table[char] for char in text)
    return f"{mark}{text}" if len(text) == 1 else f"{mark}({text})"


def _atom(text: str) -> bool:
    """Whether ``text`` reads as one thing without brackets (``12``, ``x``, ``ab``, ``α``)."""
    return len(text) == 1 or text.isdigit() or text.isalpha()


def _bracketed(text: str) -> str:
    text = text.strip()
    return text if _atom(text) or not text else f"({text})"


def _argument(node: Any, index: int, l2tobj: LatexNodes2Text) -> str | None:
    """The text of a macro's or special's argument ``index``, or None if it has none."""
    arguments = node.nodeargd.argnlist if node.nodeargd is not None else []
    if index >= len(arguments) or arguments[index] is None:
        return None
    return str(l2tobj.nodelist_to_text([arguments[index]]))


def _script(node: Any, l2tobj: LatexNodes2Text, table: dict[str, str], mark: str) -> str:
    argument = _argument(node, 0, l2tobj)
    if argument is None:
        return mark
    # the space after a bare macro (``^\infty f``) belongs to it, and would be lost
    space = " " if getattr(node.nodeargd.argnlist[0], "macro_post_space", "") else ""
    return scripted(argument, table, mark) + space


def _superscript(node: Any, l2tobj: LatexNodes2Text) -> str:
    return _script(node, l2tobj, SUPERSCRIPTS, "^")


def _subscript(node: Any, l2tobj: LatexNodes2Text) -> str:
    return _script(node, l2tobj, SUBSCRIPTS, "_")


def _fraction(node: Any, l2tobj: LatexNodes2Text) -> str:
    top, bottom = _argument(node, 0, l2tobj), _argument(node, 1, l2tobj)
    return f"{_bracketed(top or '')}/{_bracketed(bottom or '')}"


def _root(node: Any, l2tobj: LatexNodes2Text) -> str:
    degree = (_argument(node, 0, l2tobj) or "").strip()
    radicand = _argument(node, 1, l2tobj) or ""
    sign = ROOTS.get(degree) or scripted(degree, SUPERSCRIPTS, "^") + "√"
    return sign + _bracketed(radicand)


@functools.cache
def _machinery() -> tuple[LatexContextDb, LatexNodes2Text]:
    """pylatexenc's parser context and converter, taught scripts, fractions and roots."""
    from pylatexenc import latex2text, latexwalker
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, SpecialsTextSpec
    from pylatexenc.macrospec import MacroSpec, MacroStandardArgsParser, SpecialsSpec

    one_argument = MacroStandardArgsParser("{")
    walker_context = latexwalker.get_default_latex_context_db()
    walker_context.add_context_category(
        "hcchat-math",
        macros=[MacroSpec("frac", "{{"), MacroSpec("sqrt", "[{")],
        specials=[SpecialsSpec("^", args_parser=one_argument), SpecialsSpec("_", one_argument)],
        prepend=True,
    )
    text_context = latex2text.get_default_latex_context_db()
    text_context.add_context_category(
        "hcchat-math",
        macros=[
            MacroTextSpec("frac", simplify_repl=_fraction),
            MacroTextSpec("dfrac", simplify_repl=_fraction),
            MacroTextSpec("tfrac", simplify_repl=_fraction),
            MacroTextSpec("sqrt", simplify_repl=_root),
        ],
        specials=[
            SpecialsTextSpec("^", simplify_repl=_superscript),
            SpecialsTextSpec("_", simplify_repl=_subscript),
        ],
        prepend=True,
    )
    # spaces as in the source: ``a \leq b`` is ``a ≤ b``, not ``a ≤b`` (with ``_SPACED_MACROS``)
    spaces = {
        "between-macro-and-chars": False,
        "between-latex-constructs": True,
        "after-comment": False,
        "in-equations": None,
    }
    converter = LatexNodes2Text(
        latex_context=text_context, math_mode="text", strict_latex_spaces=spaces
    )
    return walker_context, converter
