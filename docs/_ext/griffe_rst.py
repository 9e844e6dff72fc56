"""A griffe extension for the API reference: the package's docstrings are written with
Sphinx's roles (``:func:`sync_jobs```) and ``::`` literal blocks; Markdown shows them as
plain code instead of printing the role's name.

Loaded by mkdocs.yml (``extensions: [docs/_ext/griffe_rst.py]``); not part of the site.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|mod|class|meth|attr|data|exc|obj|setting):`(~?)([^`]+)`")
LITERAL_BLOCK = re.compile(r"(?<=\S)::$", re.MULTILINE)


def _role(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def markdown_docstring(text: str) -> str:
    text = ROLE.sub(_role, text)
    return LITERAL_BLOCK.sub(":", text)


class RstRoles(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(obj.docstring.value)
