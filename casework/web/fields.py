"""Form fields shared by the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField


class DayMonthYearInput(GovDateInput):
    """GOV.UK date input that copes with a request missing some of its three parts."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> Any:
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = [*list(field.raw_data)[:3], "", "", ""][:3]
        return super().map_gov_params(field, **kwargs)


class GovDateField(DateField):
    """A day / month / year date with GOV.UK error messages; empty means no date."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DayMonthYearInput())
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        parts = [str(v).strip() for v in valuelist][:3]
        if not any(parts):
            self.data = None
            return
        label = self.label.text.split(" (")[0]
        if len(parts) != 3 or not all(parts):
            self.data = None
            raise ValueError(f"{label} must include a day, month and year")
        try:
            self.data = datetime.strptime(" ".join(parts), "%d %m %Y").date()
        except ValueError:
            self.data = None
            raise ValueError(f"{label} must be a real date") from None
        if self.data < date(1900, 1, 1):
            raise ValueError(f"{label} must be after 1900")
