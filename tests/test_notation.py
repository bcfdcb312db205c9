"""One symbol, one meaning: the maths of every page and notebook uses the symbols the
course overloaded in the past only in the forms that book/notation.md defines.

The course once used L for the loss, the number of layers and a length, K for the beam
width and the number of tags, o_t for the output gate and the bidirectional output, and
so on (issue 19). notation.md now gives each of these symbols one meaning. This test
reads the maths of notation.md (outside its translation table) and records, for each
tracked symbol, the *forms* in which it appears there: bare, with a subscript of one or
two indices, with a superscript naming a quantity, or as an index inside another
symbol's subscript or superscript. Every use in a chapter page, the glossary or a
notebook's text must have one of those forms. An h^{(L)} (L as a layer index), an n_t
(n as the GRU candidate), a \\Delta_t or a bare \\delta h (gradients that notation.md
writes \\delta^a_t and \\delta^h_t) therefore fail, with the file, line and formula.

Maths that quotes another text's notation on purpose (a seed's formula being corrected,
a paper's names) is exempted paragraph by paragraph with a comment that renders to
nothing: ``% notation: foreign`` in MyST, ``<!-- notation: foreign -->`` in a notebook's
Markdown cell. Pure text processing: no book build, well under a second.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTATION = REPO / "book" / "notation.md"

# The symbols issue 19 found overloaded, as LaTeX tokens -> the name used in messages.
TRACKED = {
    "L": "L", "K": "K", "\\gamma": "γ", "y": "y", "e": "e", "o": "o", "n": "n",
    "m": "m", "\\varepsilon": "ε", "\\epsilon": "ε", "\\delta": "δ", "\\Delta": "Δ",
    "\\ell": "ℓ",
}
# Superscripts that are operations on a symbol (powers, transposes, primes), not names.
POWER = re.compile(r"^(\\top|\\prime|'+|\*|-?\d+|-1|\\dagger)$")
# Commands whose argument is text or a name, not maths to check.
TEXT_COMMANDS = ("\\text", "\\operatorname", "\\mathrm", "\\mathtt", "\\texttt", "\\label",
                 "\\tag", "\\textsf", "\\textit", "\\textbf", "\\mbox")
# Accents make a symbol of their own: \hat y (a prediction) is not y (a target).
ACCENTS = {"\\hat": "hat ", "\\widehat": "hat ", "\\bar": "bar ", "\\overline": "bar ",
           "\\tilde": "tilde ", "\\widetilde": "tilde "}
FOREIGN_MD = "% notation: foreign"
FOREIGN_NB = "<!-- notation: foreign -->"


@dataclass(frozen=True)
class Use:
    symbol: str       # name from TRACKED
    form: str         # e.g. "bare", "_1", "_2", "^", "_1^", "in subscript", "in superscript"
    where: str        # file:line
    maths: str        # the formula, for the message


# --- extracting maths ---------------------------------------------------------------

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
MATH = re.compile(r"\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.S)


def prose(text: str, foreign_marker: str) -> str:
    """The text with fenced code blocks (code cells, figure code) and paragraphs marked
    foreign blanked out; line numbers are kept. MyST directives written with colons
    (:::{admonition}) are prose and kept; backtick directives other than code are kept
    too (```{admonition}, ```{math}). A code cell's figure caption (the ``caption:``
    block of its front matter) is rendered text, and kept."""
    out, fence, skipping, directives = [], None, False, []
    header, caption_indent = False, None
    for line in text.splitlines():
        m = FENCE.match(line)
        closing = m is not None and set(line.strip()) == {line.strip()[0]}
        if fence is None and closing and directives and line.strip() == directives[-1]:
            directives.pop()                  # the end of a Markdown directive
            out.append("")
            continue
        if fence is None and m:
            info = line.strip()[len(m.group(1)):].strip()
            if info.startswith("{") and not info.startswith(("{code-cell", "{code")):
                directives.append(m.group(1))  # a directive whose body is Markdown
                out.append("")
                continue
            fence, header, caption_indent = m.group(1), None, None
            out.append("")
            continue
        if fence is not None:
            if closing and line.strip().startswith(fence):
                fence = None
                out.append("")
                continue
            if header is None:                # the first line decides: front matter?
                header = line.strip() == "---"
                out.append("")
                continue
            if header:
                if line.strip() == "---":
                    header, caption_indent = False, None
                    out.append("")
                    continue
                indent = len(line) - len(line.lstrip())
                if caption_indent is not None and line.strip() and indent > caption_indent:
                    out.append(line)          # a line of the caption
                    continue
                caption_indent = indent if line.strip().startswith("caption:") else None
            out.append("")
            continue
        if line.strip() == foreign_marker:
            skipping = True
            out.append("")
            continue
        if skipping and not line.strip():
            skipping = False
        out.append("" if skipping else line)
    return "\n".join(out)


def formulas(text: str, foreign_marker: str):
    """(line, formula) for every $...$ and $$...$$ in the prose of text."""
    body = prose(text, foreign_marker)
    for m in MATH.finditer(body):
        yield body.count("\n", 0, m.start()) + 1, m.group(1) or m.group(2)


# --- reading one formula ------------------------------------------------------------

TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]|\d+|\s+|.", re.S)


def _group(tokens: list[str], i: int) -> tuple[list[str], int]:
    """The argument starting at tokens[i] (a {...} group or one token); returns its
    tokens and the index after it."""
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    if i >= len(tokens):
        return [], i
    if tokens[i] != "{":
        return [tokens[i]], i + 1
    depth, j = 0, i
    while j < len(tokens):
        depth += tokens[j] == "{"
        depth -= tokens[j] == "}"
        if depth == 0:
            return tokens[i + 1:j], j + 1
        j += 1
    return tokens[i + 1:], len(tokens)


def _indices(tokens: list[str]) -> int:
    """How many comma-separated indices a subscript holds (commas inside braces or
    brackets do not count)."""
    depth, count = 0, 1
    for t in tokens:
        depth += t in "{([" 
        depth -= t in "})]"
        count += t == "," and depth == 0
    return count


def uses(formula: str, where: str) -> list[Use]:
    """Every use of a tracked symbol in formula, with its form."""
    found: list[Use] = []

    def walk(tokens: list[str], role: str | None):
        i = 0
        while i < len(tokens):
            t = tokens[i]
            if t in TEXT_COMMANDS:
                _arg, i = _group(tokens, i + 1)
                continue
            if t in ("_", "^"):
                arg, i = _group(tokens, i + 1)
                walk(arg, "in subscript" if t == "_" else "in superscript")
                continue
            accent = ""
            if t in ACCENTS:
                arg, after = _group(tokens, i + 1)
                arg = [a for a in arg if not a.isspace()]
                if len(arg) == 1 and arg[0] in TRACKED:
                    accent, t, i = ACCENTS[t], arg[0], after - 1
                else:
                    i += 1
                    continue
            if t in TRACKED:
                sub = sup = None
                j = i + 1
                for _ in range(2):                 # x_a^b or x^b_a
                    k = j
                    while k < len(tokens) and tokens[k].isspace():
                        k += 1
                    if k < len(tokens) and tokens[k] in ("_", "^"):
                        arg, k2 = _group(tokens, k + 1)
                        if tokens[k] == "_":
                            sub = arg
                        else:
                            sup = arg
                        j = k2
                    else:
                        break
                name = accent + TRACKED[t]
                if role is not None:
                    form = role
                else:
                    form = ""
                    if sub is not None:
                        form += f"_{_indices(sub)}"
                    if sup is not None and not POWER.match("".join(sup).strip()):
                        form += "^"
                    form = form or "bare"
                    if name == "e" and sup is not None and sub is None:
                        name, form = "e (Euler's number)", "^"   # e^{-10} too
                found.append(Use(name, form, where, formula.strip()))
                if sub is not None:
                    walk(sub, "in subscript")
                if sup is not None:
                    walk(sup, "in superscript")
                i = j
                continue
            i += 1

    walk(TOKEN.findall(formula), None)
    return found


# --- what notation.md defines -------------------------------------------------------

def notation_text() -> str:
    """notation.md without its sections on other texts' notation (the translation
    table and the list of retired uses), which name symbols the course does not use."""
    text = NOTATION.read_text(encoding="utf-8")
    kept, skip = [], False
    for line in text.splitlines():
        if line.startswith("## "):
            skip = "other texts" in line.lower() or "retired" in line.lower()
        kept.append("" if skip else line)
    return "\n".join(kept)


def defined_forms(text: str) -> dict[str, set[str]]:
    forms: dict[str, set[str]] = {}
    for line, f in formulas(text, FOREIGN_MD):
        for u in uses(f, f"notation.md:{line}"):
            forms.setdefault(u.symbol, set()).add(u.form)
    return forms


def defining_rows(text: str) -> dict[str, list[str]]:
    """For each tracked symbol, the table rows of notation.md whose first cell defines it
    (uses it as a symbol in its own right, not as an index)."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        first = line.split("|")[1]
        for f in MATH.finditer(first):
            found = uses(f.group(1) or f.group(2), "notation.md")
            leading = TOKEN.findall((f.group(1) or f.group(2)).strip())[:1]
            if found and leading and (leading[0] in TRACKED or leading[0] in ACCENTS):
                u = found[0]                      # the symbol the row is about
                if u.form.startswith("in "):
                    continue
                rows.setdefault(u.symbol, [])
                if line not in rows[u.symbol]:
                    rows[u.symbol].append(line)
    return rows


# --- the pages ----------------------------------------------------------------------

def sources() -> list[tuple[str, str, str]]:
    """(name, text, foreign marker) for every page and every notebook Markdown cell."""
    out = []
    for page in sorted((REPO / "book").glob("*.md")):
        if page.name in ("notation.md", "bibliography.md"):
            continue
        out.append((f"book/{page.name}", page.read_text(encoding="utf-8"), FOREIGN_MD))
    for nb_path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                out.append((f"{nb_path.relative_to(REPO)} cell {i}", cell.source, FOREIGN_NB))
    return out


def violations(name: str, text: str, marker: str, forms: dict[str, set[str]]) -> list[str]:
    bad = []
    for line, f in formulas(text, marker):
        for u in uses(f, f"{name}:{line}"):
            allowed = forms.get(u.symbol, set())
            if u.form not in allowed:
                bad.append(f"{u.where}: {u.symbol} used as {u.form!r} in ${u.maths}$; "
                           f"notation.md defines {u.symbol} only as "
                           f"{sorted(allowed) or 'nothing'}")
    return bad


@pytest.fixture(scope="module")
def forms() -> dict[str, set[str]]:
    return defined_forms(notation_text())


def test_notation_gives_every_tracked_symbol_one_row():
    rows = defining_rows(notation_text())
    for token, name in TRACKED.items():
        if token == "\\epsilon":
            continue
        assert name in rows, f"notation.md does not define {name}"
        assert len(rows[name]) == 1, (
            f"notation.md defines {name} in {len(rows[name])} rows (one symbol, one "
            "meaning):\n" + "\n".join(rows[name]))


def test_pages_and_notebooks_follow_notation(forms):
    bad = [v for name, text, marker in sources() for v in violations(name, text, marker, forms)]
    assert not bad, ("maths outside the meanings notation.md gives these symbols "
                     f"({len(bad)}):\n" + "\n".join(bad))


def test_every_source_was_read():
    names = [name for name, _, _ in sources()]
    assert any(n.startswith("book/ch07") for n in names)
    assert sum(n.startswith("solutions/ch05") for n in names) > 5
    # and the extractor finds the maths of a real page
    text = (REPO / "book" / "ch02_bptt.md").read_text(encoding="utf-8")
    assert sum(1 for _ in formulas(text, FOREIGN_MD)) > 100


# --- the test catches what it is meant to catch ---------------------------------------

SYNTHETIC = r"""
# A page that slips

The loss $L$ of a stack reads the top layer, $s_t = h^{(L)}_t W_y + b_y$.

```{code-cell} ipython3
x = "$h^{(L)}$ in a figure label is code, not checked here"
```

With the beam width $K$ the search keeps $K$ hypotheses; the tagger has
$s_t \in \mathbb{R}^{K}$ scores.

$$
\Delta_t = \delta h_t \odot (1 - h_t^2), \qquad n_t = \tanh(a^n_t), \qquad
e_{t,j} = \tanh(q_t W_q + k_j W_k)\, v^\top, \qquad \ell_t = -\log p_t[y_t],
$$

and the bidirectional output $o^{(\ell)}_t$, the cell gradient $\varepsilon_t$, a decay
$\|\delta_T\| \gamma^k$ and Adam's moment $m$.

% notation: foreign
Some notes write the gradient as $(o_t - y_t)\, s_t$ with $\Delta_t$ and $\ell_t$ in it.

Back to the course: $\Delta_T$.

```{code-cell} ipython3
---
tags: [remove-input]
mystnb:
  figure:
    caption: |
      A GRU whose candidate is written $n^{\text{cand}}_t$ in the caption.
    name: fig-synthetic
---
plt.plot([0, 1], label="$\\gamma_t$ in code is not read")
```

```{admonition} A box written with backticks
Its maths is read: $y^{\text{emb}}_t$.
```

And so is the text after it: $\varepsilon_{t-1}$.
"""


def test_a_page_with_undefined_meanings_fails(forms):
    bad = violations("synthetic.md", SYNTHETIC, FOREIGN_MD, forms)
    text = "\n".join(bad)
    expected = [
        ("L", "in superscript", "h^{(L)}_t"),          # L as a layer index
        ("K", "in superscript", "\\mathbb{R}^{K}"),     # K as the number of tags
        ("Δ", "_1", "\\Delta_t ="),                      # Δ_t for a gradient
        ("δ", "bare", "\\delta h_t"),                    # δh without superscript
        ("n", "_1", "n_t ="),                            # n as the GRU candidate
        ("n", "in superscript", "a^n_t"),                # n as a block label
        ("e", "_2", "e_{t,j}"),                          # e as an attention score
        ("ℓ", "_1", "\\ell_t ="),                        # ℓ as a per-step loss
        ("o", "_1^", "o^{(\\ell)}_t"),                   # o as a layer output
        ("ε", "_1", "\\varepsilon_t"),                   # ε as a cell gradient
        ("δ", "_1", "\\delta_T"),                        # δ without superscript
        ("γ", "^", "\\gamma^k"),                         # γ as a decay factor
        ("m", "bare", "Adam's moment") if False else ("m", "bare", "$m$"),
        ("Δ", "_1", "\\Delta_T"),                        # after the foreign paragraph
        ("n", "_1^", "n^{\\text{cand}}_t"),              # in a figure's caption
        ("y", "_1^", "y^{\\text{emb}}_t"),               # in a backtick directive
        ("ε", "_1", "\\varepsilon_{t-1}"),               # after that directive
    ]
    for symbol, form, fragment in expected:
        hits = [b for b in bad if b.split(": ", 1)[1].startswith(f"{symbol} used as {form!r}")]
        assert hits, f"the test missed {symbol} as {form!r} ({fragment}):\n{text}"
    # the correct uses on the same page pass
    assert not [b for b in bad if "used as 'bare' in $L$" in b]
    assert not [b for b in bad if "$K$" in b and "'bare'" in b]
    # code cells and the foreign paragraph are not read
    assert "figure label" not in text and "in code is not read" not in text
    assert "(o_t - y_t)" not in text
    assert len([b for b in bad if ": Δ used as" in b]) == 2   # Δ_t and Δ_T, not the foreign one


def test_a_second_meaning_in_notation_fails():
    doubled = notation_text() + "\n| $K$ | number of tags of a tagger |\n"
    rows = defining_rows(doubled)
    assert len(rows["K"]) == 2


def test_forms_are_read_as_written():
    def form(f, symbol):
        return [u.form for u in uses(f, "x") if u.symbol == symbol]
    assert form(r"\delta^{h}_t", "δ") == ["_1^"]
    assert form(r"\delta^h_{t-1}", "δ") == ["_1^"]
    assert form(r"m_{n,t}", "m") == ["_2"]
    assert form(r"m_{n,t}", "n") == ["in subscript"]
    assert form(r"h^{(\ell-1)}_t", "ℓ") == ["in superscript"]
    assert form(r"\varepsilon^2", "ε") == ["bare"]           # a power, not a name
    assert form(r"W_h^\top", "L") == []
    assert form(r"e^{s_j}", "e (Euler's number)") == ["^"]
    assert form(r"\operatorname{softmax}(s)", "m") == []     # names are not maths
    assert form(r"\text{ctx}_t", "e") == []
    assert form(r"\hat y_{n,t}", "hat y") == ["_2"]        # a prediction is not a target
    assert form(r"\hat{y}_{n,t}", "y") == []
    assert form(r"\bar\delta^c_t", "bar δ") == ["_1^"]
