"""Shared API schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate


class ErrorDetailSchema(Schema):
    code = fields.Str(required=True, metadata={"description": "Machine-readable code, e.g. not_found, validation_failed"})
    message = fields.Str(required=True)
    field_errors = fields.Dict(
        keys=fields.Str(), values=fields.List(fields.Str()), data_key="fields", metadata={"description": "Validation problems by field"}
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class PageQuerySchema(Schema):
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))


def page_of(items: list[Any], query: dict[str, Any]) -> dict[str, Any]:
    """One page of a short list that a service returns whole, for :func:`page_schema`."""
    start = (query["page"] - 1) * query["per_page"]
    return {"items": items[start : start + query["per_page"]], "page": query["page"], "per_page": query["per_page"], "total": len(items)}


def page_schema(name: str, item: type[Schema]) -> type[Schema]:
    """A list body of API.md: ``{items, page, per_page, total}``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "page": fields.Int(required=True),
            "per_page": fields.Int(required=True),
            "total": fields.Int(required=True),
        },
        name=name,
    )
