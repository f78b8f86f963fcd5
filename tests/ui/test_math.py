"""LaTeX math in replies: shown as Unicode text; what only looks like math is left alone."""

from __future__ import annotations

import pytest

from app.ui.markdown._layout import layout_markdown
from app.ui.markdown._math import latex_to_text


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"\alpha^2 + \beta_i", "α² + βᵢ"),
        (r"\alpha \leq \beta \neq \gamma", "α ≤ β ≠ γ"),
        (r"x^{10} + x_{ij}", "x¹⁰ + xᵢⱼ"),
        (r"\frac{a}{b}", "a/b"),
        (r"\frac{a+b}{2c}", "(a+b)/(2c)"),
        (r"\sqrt{x}", "√x"),
        (r"\sqrt{x+1}", "√(x+1)"),
        (r"\sqrt[3]{x}", "∛x"),
        (r"\sum_{i=1}^n i", "∑ᵢ₌₁ⁿ i"),
        (r"\int_0^\infty f", "∫₀^∞ f"),
        (r"e^{-x^2}", "e^(-x²)"),
        (r"\lim_{x \to 0} \frac{\sin x}{x} = 1", "lim_(x → 0) (sin x)/x = 1"),
        (r"\forall x \in \mathbb{R}", "∀ x ∈ ℝ"),
        (r"E = mc^2", "E = mc²"),
    ],
)
def test_latex_becomes_unicode_text(latex, text):
    assert latex_to_text(latex) == text


@pytest.mark.parametrize("latex", [r"\frac{a}", "x^", "{", r"\begin{x}", r"\\\\"])
def test_broken_latex_never_fails(latex):
    assert isinstance(latex_to_text(latex), str)


def _text(markdown: str, width: int = 80) -> list[str]:
    return [line.plain.strip() for line in layout_markdown(markdown, width) if line.plain.strip()]


def _math_spans(markdown: str) -> list[str]:
    return [
        line.plain[span.start : span.end]
        for line in layout_markdown(markdown, 80)
        for span in line.spans
        if span.style == ".md-math"
    ]


def test_inline_math_with_dollars_and_parentheses_is_rendered():
    assert _text(r"Let $x^2 + y^2 = r^2$ and \(\alpha \leq \beta\).") == [
        "Let x² + y² = r² and α ≤ β."
    ]
    assert _math_spans(r"Let $x^2$ and \(\alpha\).") == ["x²", "α"]


@pytest.mark.parametrize(
    "markdown",
    [
        "It costs $5 and $10 today.",
        "Between $ 5 and 10 $ dollars.",
        "Use $HOME and $PATH here.",
        "Run echo $HOME/$PATH now.",
        "Set PATH=$PATH:$HOME/bin please.",
        "The code `$x^2$` is shell.",
        "It costs $10; your shell has `$HOME` set.",
    ],
)
def test_text_that_only_looks_like_math_is_left_alone(markdown):
    assert _text(markdown) == [markdown.replace("`", "")]
    assert _math_spans(markdown) == []


def test_a_code_span_after_a_lone_dollar_stays_code():
    [line] = layout_markdown("It costs $10; your shell has `$HOME` set.", 80)[:1]
    code = [line.plain[s.start : s.end] for s in line.spans if s.style == ".md-code-inline"]
    assert code == ["$HOME"]


def test_math_in_a_code_block_is_left_alone():
    assert "  echo $HOME $x^2$" in [
        line.plain.rstrip() for line in layout_markdown("```sh\necho $HOME $x^2$\n```", 40)
    ]


@pytest.mark.parametrize(
    "markdown",
    ["Before\n\n$$\n\\sum_{i=1}^n i\n$$\n\nAfter", "Before\n\n\\[\n\\sum_{i=1}^n i\n\\]\n\nAfter"],
)
def test_display_math_is_its_own_centred_block(markdown):
    lines = [line.plain for line in layout_markdown(markdown, 40)]
    row = next(line for line in lines if "∑" in line)
    assert row.strip() == "∑ᵢ₌₁ⁿ i"
    left = len(row) - len(row.lstrip())
    assert abs(left - (40 - len(row.strip()) - left)) <= 1  # as much room on either side
    assert lines.index(row) > lines.index("Before") + 1  # a blank row between
    assert lines.index("After") > lines.index(row) + 1


def test_display_math_lines_split_at_double_backslashes():
    lines = _text("$$\n\\sqrt{x} \\\\ e^{i\\pi} + 1 = 0\n$$")
    assert lines == ["√x", "e^(iπ) + 1 = 0"]
