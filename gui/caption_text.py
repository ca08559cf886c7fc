"""Captions for the banner: Markdown as Qt renders it (bold, italics, code), with the math
between dollar signs written in Unicode (σ′(z) = a(1 − a), ∂ℓ/∂w), which Qt cannot typeset."""

from __future__ import annotations

import re

_SYMBOLS = {
    r"\partial": "∂",
    r"\sigma": "σ",
    r"\delta": "δ",
    r"\Delta": "Δ",
    r"\eta": "η",
    r"\ell": "ℓ",
    r"\alpha": "α",
    r"\beta": "β",
    r"\epsilon": "ε",
    r"\mu": "μ",
    r"\lambda": "λ",
    r"\theta": "θ",
    r"\sum": "Σ",
    r"\cdot": "·",
    r"\times": "×",
    r"\leftarrow": "←",
    r"\rightarrow": "→",
    r"\to": "→",
    r"\approx": "≈",
    r"\le": "≤",
    r"\ge": "≥",
    r"\neq": "≠",
    r"\sqrt": "√",
    r"\infty": "∞",
    r"\quad": "  ",
    r"\,": " ",
    r"\;": " ",
    r"\!": "",
    r"\left": "",
    r"\right": "",
}
_OPERATORS = {
    r"\cdot",
    r"\times",
    r"\leftarrow",
    r"\rightarrow",
    r"\to",
    r"\approx",
    r"\le",
    r"\ge",
    r"\neq",
    r"\quad",
}
_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+-=()nikT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵏᵀ")
_FRAC = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
_SCRIPT = re.compile(r"([_^])(\{([^{}]*)\}|(\\?[A-Za-z0-9]))")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(?!\s)([^$\n]+?)(?<!\s)\$", re.DOTALL)


def math_unicode(latex: str) -> str:
    """Light LaTeX (Greek letters, operators, fractions, sub- and superscripts) as Unicode."""
    text = latex
    for command in sorted(_SYMBOLS, key=len, reverse=True):
        # a space after a letter's command only ends the command (\partial w is ∂w)
        ends = r"(?![A-Za-z])" if command in _OPERATORS else r"(?![A-Za-z]) ?"
        text = re.sub(re.escape(command) + ends, _SYMBOLS[command].replace("\\", r"\\"), text)
    text = _SCRIPT.sub(_script, text)
    for _ in range(3):  # nested fractions, innermost first
        text = _FRAC.sub(lambda m: f"{_group(m.group(1))}/{_group(m.group(2))}", text)
    text = re.sub(r"\\(text|mathrm|operatorname)\{([^{}]*)\}", r"\2", text)
    text = text.replace("{", "").replace("}", "").replace("'", "′").replace("-", "−")
    return re.sub(r"\\([A-Za-z]+)", r"\1", text)


def _group(text: str) -> str:
    return text if re.fullmatch(r"[^\s+−-]+", text) else f"({text})"


def _script(match: re.Match[str]) -> str:
    """x_{j} as xⱼ when every character has a Unicode subscript (superscript for ^); else x_(ij)."""
    body = match.group(3) if match.group(3) is not None else match.group(4)
    table = _SUB if match.group(1) == "_" else _SUP
    if body and all(ord(c) in table for c in body):
        return body.translate(table)
    return f"{match.group(1)}({body})" if len(body) > 1 else f"{match.group(1)}{body}"


def caption_markdown(caption: str) -> str:
    """A caption for a Markdown label: its math spans in Unicode (as code is left alone)."""
    parts = re.split(r"(`[^`]*`)", caption)
    return "".join(
        part if part.startswith("`") else _MATH.sub(lambda m: math_unicode(m.group(1) or m.group(2)), part)
        for part in parts
    )
