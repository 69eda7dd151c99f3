"""The one type of JSON-ready data that crosses modules: wire and storage forms."""

from __future__ import annotations

from typing import Any, Final, TypeAlias

#: A JSON object (SPEC §4.1 shapes, catalog listings, file data, stored snapshots). Models
#: are attrs classes; a ``JSONObject`` is only ever their serialized form, built in one
#: place (``files.wire``, ``findings.to_json``, ``files.unstructure``, the views' data).
JSONObject: TypeAlias = dict[str, Any]

#: The key of an attrs field's metadata that says how the wire converter
#: (:data:`mesoformula.files.wire.wire`) writes the field.
WIRE: Final = "mesoformula.wire"

#: ``omit_if`` of a field that is always written.
ALWAYS: Final = object()


def wire(*, key: str | None = None, omit_if: object = ALWAYS, inline: bool = False) -> JSONObject:
    """
    Field metadata for the wire converter: the JSON *key* when it is not the field's name,
    the value *omit_if* for which the key is left out, or *inline*: the field's object
    merged into its parent's (``{"scan": 1, **finding}``).
    """
    return {WIRE: {"key": key, "omit_if": omit_if, "inline": inline}}


__all__ = ["ALWAYS", "WIRE", "JSONObject", "wire"]
