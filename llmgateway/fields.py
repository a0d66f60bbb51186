"""DRF fields shared by the API: USD amounts as decimal strings backed by integer nanos."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from llmgateway.errors import InvalidRequest
from llmgateway.money import nanos_to_usd, usd_to_nanos


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?$"}, {"type": "number"}],
        "description": "USD: a decimal string (preferred) or a number of dollars.",
        "example": "10.00",
    }
)
class UsdAmountField(serializers.Field):
    """Reads `"10.00"` or `10` as nanos (int); renders nanos as `"10.00"`."""

    def __init__(self, *, min_nanos: int | None = None, allow_negative: bool = False, **kwargs):
        self.min_nanos = min_nanos
        self.allow_negative = allow_negative
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> int:
        try:
            nanos = usd_to_nanos(data, param=self.field_name, allow_negative=self.allow_negative)
        except InvalidRequest as error:
            raise serializers.ValidationError(error.message) from None
        if self.min_nanos is not None and nanos < self.min_nanos:
            raise serializers.ValidationError(
                f"Must be at least {nanos_to_usd(self.min_nanos)} USD."
            )
        return nanos

    def to_representation(self, value: int) -> str:
        return nanos_to_usd(value)


@extend_schema_field(OpenApiTypes.STR)
class UsdField(serializers.ReadOnlyField):
    def to_representation(self, value: int) -> str:
        return nanos_to_usd(value)
