"""The one type of JSON-ready data that crosses modules: wire and storage forms."""

from __future__ import annotations

from typing import Any, TypeAlias

#: A JSON object (SPEC §4.1 shapes, catalog listings, file data, stored snapshots). Models
#: are attrs classes; a ``JSONObject`` is only ever their serialized form, built in one
#: place (``files.wire``, ``findings.to_json``, ``files.unstructure``, the views' data).
JSONObject: TypeAlias = dict[str, Any]

__all__ = ["JSONObject"]
