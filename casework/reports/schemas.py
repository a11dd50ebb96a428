"""API schemas of the managers' report (API.md "Reports"). The filters are read as text and
checked by ``measures.parse_filters``, the same rules as the pages'."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

_TEXT = validate.Length(max=64)


def _filter(description: str, data_key: str | None = None) -> fields.Str:
    return fields.Str(load_default=None, allow_none=True, validate=_TEXT, data_key=data_key, metadata={"description": description})


class ReportFilterSchema(Schema):
    """The report's filters (each optional; the period defaults to the last twelve months)."""

    team = _filter("One of the teams the caller manages (a team id); default: all of them")
    from_ = _filter("First day of the period, YYYY-MM-DD (default: twelve months before `to`)", data_key="from")
    to = _filter("Last day of the period, YYYY-MM-DD (default: today)")
    level = _filter("Only cases at this level of the continuum now")
    locality = _filter("Only families in this small area (an LSOA code, e.g. E01000001)")
    lead_professional_id = _filter("Only cases this user leads now")
    closure_reason = _filter("Only cases closed with this closure-reason code")

    @pre_load
    def _drop_empty(self, data: dict[str, str], **kwargs: object) -> dict[str, str]:
        return {key: value for key, value in data.items() if value != ""}


class PeriodSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="start", metadata={"description": "First day of the period"})
    to = fields.Date(attribute="end", metadata={"description": "Last day of the period (included)"})


class MeasureValueSchema(Schema):
    value = fields.Raw(
        allow_none=True,
        metadata={"description": "A count; days for a median; a percentage (0-100, one decimal) for a rate; null with nothing to measure"},
    )
    label = fields.Str()
    kind = fields.Str(metadata={"description": "count, days or percent"})
    cases_url = fields.Str(metadata={"description": "The cases behind the figure: GET /api/v1/cases with the same filters"})


class BreakdownSchema(Schema):
    key = fields.Str(metadata={"description": "A level number, a user id, a closure-reason code or a case-flow stage"})
    label = fields.Str()
    value = fields.Int()
    cases_url = fields.Str()


class MeasuresSchema(Schema):
    period = fields.Nested(PeriodSchema)
    filters = fields.Dict(keys=fields.Str(), values=fields.Str(), metadata={"description": "The filters applied"})
    measures = fields.Dict(keys=fields.Str(), values=fields.Nested(MeasureValueSchema))
    open_by_level = fields.List(fields.Nested(BreakdownSchema))
    caseload = fields.List(fields.Nested(BreakdownSchema), metadata={"description": "Open cases per lead professional"})
    closures_by_reason = fields.List(fields.Nested(BreakdownSchema))
    case_flow = fields.List(fields.Nested(BreakdownSchema), metadata={"description": "Requests of the period and the stages they reached"})
