"""Math in the docs, rendered when the site is built.

``$…$`` (inline) and ``$$…$$`` (a display block, the ``$$`` on their own lines) are converted to MathML by
latex2mathml while mkdocs builds the pages. Browsers draw MathML natively, so a page needs no script, no font
download and no network to show its formulas, and the built HTML holds rendered math, not TeX. Code spans and fenced
code are left alone (their dollars are shell variables). A formula latex2mathml cannot read stops the build with the
page and the formula, so ``mkdocs build --strict`` (run by ``make test``) catches a bad one.
"""
from __future__ import annotations

import re

from latex2mathml.converter import convert
from markdown import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

# $…$: not after a backslash, word character or dollar; no space just inside either dollar; not before a digit
INLINE = r"(?<![\\\w$])\$(?=\S)((?:\\\$|[^$\n])+?)(?<=\S)\$(?![\w$])"
BLOCK = re.compile(r"^[ \t]*\$\$[ \t]*\n(.+?)\n[ \t]*\$\$[ \t]*$", re.MULTILINE | re.DOTALL)


def to_mathml(tex: str, display: str) -> str:
    try:
        return convert(tex, display=display)
    except Exception as exc:  # latex2mathml raises several types; the build must name the formula
        raise ValueError(f"docs math: cannot render {tex!r}: {exc}") from exc


class _InlineMath(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's name)
        return self.md.htmlStash.store(to_mathml(m.group(1), "inline")), m.start(0), m.end(0)


class _BlockMath(Preprocessor):
    def run(self, lines):
        text = "\n".join(lines)

        def block(m):
            html = to_mathml(m.group(1).strip(), "block")
            return "\n" + self.md.htmlStash.store(f'<div class="math-display">{html}</div>') + "\n"

        return BLOCK.sub(block, text).split("\n")


class MathExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802
        # after fenced code is stashed (priority 25), so a fence's dollars are never read as math
        md.preprocessors.register(_BlockMath(md), "stratlearn_block_math", 20)
        # below the code-span pattern (190), so `…$…$…` stays code
        md.inlinePatterns.register(_InlineMath(INLINE, md), "stratlearn_inline_math", 185)


def on_config(config, **kwargs):
    config.markdown_extensions.append(MathExtension())
    return config
