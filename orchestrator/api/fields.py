"""Choice fields whose enum is a named schema component of its own.

Several serializers have a ``status`` field with a different set of values (a batch's, a
cell's, a listing's ...); drf-spectacular would otherwise name their enums after the field and
make up names for the collisions.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_classes: dict[str, type[serializers.ChoiceField]] = {}


def enum_field(name: str, choices, **kwargs) -> serializers.ChoiceField:
    """A ``ChoiceField`` documented as the enum component ``name`` (one class per name, so the
    annotation survives the copies a serializer makes of its fields)."""
    values = [choice[0] if isinstance(choice, tuple | list) else choice for choice in choices]
    field_class = _classes.get(name)
    if field_class is None:
        field_class = type(f"{name}Field", (serializers.ChoiceField,), {})
        extend_schema_field({"type": "string", "enum": values}, component_name=name)(field_class)
        _classes[name] = field_class
    return field_class(choices=choices, **kwargs)
