"""How the chain rule's numbers are written: plain text, LaTeX values and LaTeX text."""

from __future__ import annotations


def unsigned_zero(value: float) -> float:
    """``value`` with −0.0 turned into 0.0: a zero is written "0", never "−0"."""
    return 0.0 if value == 0 else value


def fmt(value: float | None, spec: str = ".10g", *, paren: bool = False) -> str:
    if value is None:
        return "pending"
    text = format(unsigned_zero(value), spec)
    return f"({text})" if paren and value < 0 else text


def latex_value(value: float | None, spec: str = ".10g") -> str:
    if value is None:
        return r"\text{pending}"
    text = format(unsigned_zero(value), spec)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"({text})" if value < 0 else text


def latex_text(text: str) -> str:
    """Plain text for \\text{...}: LaTeX's special characters escaped, the Unicode of the notes
    spelled in math."""
    for plain_char, latex in (
        ("\\", r"\textbackslash{}"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("_", r"\_"),
        ("%", r"\%"),
        ("&", r"\&"),
        ("#", r"\#"),
        ("$", r"\$"),
        ("^", r"\^{}"),
        ("½", "$\\tfrac{1}{2}$"),
        ("×", r"$\times$"),
        ("·", r"$\cdot$"),
        ("δ", r"$\delta$"),
        ("η", r"$\eta$"),
        ("−", "-"),
    ):
        text = text.replace(plain_char, latex)
    return text


def check_mark(passed: bool | None) -> str:
    """The finite-difference check's verdict as every rendering writes it."""
    return "pending" if passed is None else ("PASS" if passed else "FAIL")
