"""
MkDocs hooks of the documentation site (``mkdocs.yml``: ``hooks``).

The code's docstrings name other objects with Sphinx roles (``:func:`parse_quantity```),
which mkdocstrings renders as code after a literal ``:func:``; the role is dropped so
that the page reads ``parse_quantity``.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:func|class|meth|data|mod|attr|exc|obj):(?=<code>)")


def on_page_content(html: str, **_: Any) -> str:
    """Drop Sphinx roles before inline code in a rendered page."""
    return _ROLE.sub("", html)
