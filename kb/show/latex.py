"""LaTeX math as readable Unicode for the terminal: 𝔼_(z∼p_θ(z)), xₜ₋₁, √(1-βₜ), log(p(x|y)/p(x)).

pylatexenc parses the formula; kb's rules add scripts, fractions and the spacing a reader expects.
"""
from __future__ import annotations

import re
from functools import lru_cache

from kb.text import sanitize

# What a formula the capture did not keep ([Math], [公式]) shows as.
PLACEHOLDER = "[formula not captured]"

_SUB = dict(zip("0123456789+-−=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
_SUP = dict(zip(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχ",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡ",
))
# Rewrite x_{…}, x^\alpha, x_0 as \kbsub{…}/\kbsup{…} so the converter sees the script's extent.
_SCRIPT_RE = re.compile(r"(?<!\\)([_^])\s*(\{|\\[A-Za-z]+|\\.|[^\s{}\\])")
# \log p would lose its space (LaTeX eats it after a macro): keep these as words.
_FUNC_RE = re.compile(r"\\(log|ln|exp|sin|cos|tan|det|dim|ker|arg|deg|Pr|max|min)(?![A-Za-z])\s*(?=[A-Za-z0-9\\(])")
# A macro eats the space after it (x \in \{0,1\} would read "x ∈{0,1}", \alpha + b "α+ b"): where the
# source spaced a relation, or a symbol before an operator, an empty group ends the macro so that
# the space stays, as on the page.
_SPACED_MACRO_RE = re.compile(
    r"(?<=\s)\\(?:in|notin|ni|mid|sim|simeq|approx|equiv|propto|neq|ne|leq?|geq?|ll|gg|subset|subseteq|supset"
    r"|supseteq|to|rightarrow|leftarrow|Rightarrow|Leftarrow|iff|mapsto|cdot|times|pm|c?dots|ldots)(?![A-Za-z])(?=\s)"
    r"|\\[A-Za-z]+(?=\s+[-+=<>*/])"
)
# An alignment point before a relation (aligned's "&=") is a space in one line of text, not a column.
_ALIGN_RE = re.compile(r"\s*(?<!\\)&\s*([=<>]|\\(?:leq?|geq?|approx|equiv|sim|propto|neq?)(?![A-Za-z]))\s*")


def math_to_unicode(src: str, *, display: bool = False) -> str:
    """LaTeX math as readable Unicode (𝔼_(z∼p_θ(z)), xₜ₋₁, √(1-βₜ)); the source itself if it will not parse.

    Display math keeps the line breaks of aligned environments; inline math is one line.
    """
    try:
        out = _convert(src)
    except Exception:  # noqa: BLE001 - captured LaTeX is often broken; the source is still readable
        return sanitize(src).strip()
    if display:
        # keep the spacing of \qquad and \tag; an aligned environment keeps its lines
        out = "\n".join(line.strip() for line in out.split("\n") if line.strip())
    else:
        out = re.sub(r"[ \t]*\n[ \t]*", " ", out)
    out = sanitize(out).strip()
    return out or sanitize(src).strip()


def _convert(src: str) -> str:
    walker_ctx, text_ctx = _contexts()
    from pylatexenc import latex2text, latexwalker

    prepared = _FUNC_RE.sub(lambda m: m.group(1) + " ", src)
    prepared = _SPACED_MACRO_RE.sub(lambda m: m.group(0) + "{}", _ALIGN_RE.sub(r" \1 ", prepared))
    prepared = _SCRIPT_RE.sub(_script_macro, prepared)
    walker = latexwalker.LatexWalker(prepared, latex_context=walker_ctx, tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes()
    l2t = latex2text.LatexNodes2Text(latex_context=text_ctx, math_mode="text", strict_latex_spaces=True)
    return l2t.nodelist_to_text(nodes)


def _script_macro(m: re.Match) -> str:
    name = "kbsub" if m.group(1) == "_" else "kbsup"
    token = m.group(2)
    return f"\\{name}{{" if token == "{" else f"\\{name}{{{token}}}"


@lru_cache(maxsize=1)
def _contexts():
    # pylatexenc costs ~20 ms to import: only posts with math pay for it.
    from pylatexenc import latex2text, latexwalker, macrospec

    walker_ctx = latexwalker.get_default_latex_context_db()
    walker_ctx.add_context_category(
        "kb", prepend=True,
        macros=[macrospec.MacroSpec("kbsub", "{"), macrospec.MacroSpec("kbsup", "{"), macrospec.MacroSpec("tag", "*{")],
    )
    text_ctx = latex2text.get_default_latex_context_db()
    text_ctx.add_context_category(
        "kb", prepend=True,
        macros=[
            latex2text.MacroTextSpec("kbsub", simplify_repl=lambda n, l2tobj: _script(_arg(n, l2tobj, -1), _SUB, "_")),
            latex2text.MacroTextSpec("kbsup", simplify_repl=lambda n, l2tobj: _script(_arg(n, l2tobj, -1), _SUP, "^")),
            latex2text.MacroTextSpec("tag", simplify_repl=lambda n, l2tobj: f"    ({_arg(n, l2tobj, -1).strip()})"),
            latex2text.MacroTextSpec("frac", simplify_repl=_frac),
            latex2text.MacroTextSpec("dfrac", simplify_repl=_frac),
            latex2text.MacroTextSpec("tfrac", simplify_repl=_frac),
        ],
    )
    return walker_ctx, text_ctx


def _arg(node, l2tobj, index: int) -> str:
    args = node.nodeargd.argnlist if node.nodeargd else []
    if not args or args[index] is None:
        return ""
    return l2tobj.nodelist_to_text([args[index]])


def _script(text: str, table: dict, mark: str) -> str:
    t = text.strip()
    if t and all(ch in table for ch in t):
        return "".join(table[ch] for ch in t)
    if len(t) <= 1 or re.fullmatch(r"\w+", t):
        return mark + t
    return f"{mark}({t})"


def _frac(node, l2tobj) -> str:
    num, den = (_arg(node, l2tobj, i).strip() for i in (-2, -1))
    out = f"{_group(num)}/{_group(den)}"
    # Written next to a factor (log\frac{p}{q}, \frac{1}{2}x) a bare a/b would swallow it or
    # run into it: "logp(x|y)/p(x)". Parenthesized, it reads as one term.
    return f"({out})" if _touches_factor(node) else out


def _touches_factor(node) -> bool:
    try:
        src, start, end = node.parsing_state.s, node.pos, node.pos + node.len
    except AttributeError:  # an older pylatexenc without positions: leave it bare
        return False
    before = src[:start]
    after = src[end:].lstrip()
    if before and (before[-1].isalnum() or before[-1] in ")]}"):
        return True
    return bool(after) and (
        after[0].isalnum() or after[0] in "([" or re.match(r"\\(?!(?:kbsub|kbsup|right|end|tag|[a-z]*quad|sum|prod|i*int|oint|lim)\b)[A-Za-z]", after) is not None
    )


def _group(t: str) -> str:
    """t, parenthesized when a / next to it would be misread (1/(2N), (a+b)/c)."""
    depth = 0
    for i, ch in enumerate(t):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and (ch in " +-−=<>,;/·×∼∈|" or (ch.isalpha() and i and t[i - 1].isdigit())):
            return f"({t})"
    return t
