"""Shared form plumbing."""

from __future__ import annotations

from flask_wtf import FlaskForm

from casework.errors import ValidationFailed


def apply_problems(form: FlaskForm, error: ValidationFailed, field_map: dict[str, str] | None = None) -> None:
    """Show a service's validation problems against the form's fields (for the error summary)."""
    for name, messages in error.fields.items():
        field = getattr(form, (field_map or {}).get(name, name), None)
        if field is None or not hasattr(field, "errors"):
            field = next(f for f in form if f.name != "csrf_token")
        field.errors = list(field.errors) + list(messages)
