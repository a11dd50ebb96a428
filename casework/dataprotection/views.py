"""Data protection pages: the subject access review (information governance officers), and a
person's record with its corrections and statements of disagreement."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from casework.dataprotection import rectify, review, rules, sar
from casework.dataprotection.api import render_package_html, zip_response
from casework.dataprotection.forms import CorrectionForm, FindForm, StatementForm
from casework.errors import ValidationFailed
from casework.families.forms import ROLE_CHOICES
from casework.web.access import roles_required
from casework.web.forms import apply_problems
from casework.web.requests import db_session

bp = Blueprint("dataprotection", __name__, template_folder="templates")
IG = ("ig_officer",)
#: A person's page: whoever may see the family (the owning team writes), and information governance.
PEOPLE = ("practitioner", "manager", "ig_officer")
ROLE_LABELS = dict(ROLE_CHOICES)


def _version() -> int | None:
    text = request.form.get("version", "")
    return int(text) if text.isdigit() else None


@bp.get("/subject-access")
@roles_required(*IG)
def find() -> str:
    form = FindForm(formdata=request.args)
    results = None
    if request.args and form.validate():
        try:
            results = sar.find_people(db_session(), g.actor, family_name=form.family_name.data, date_of_birth=form.date_of_birth.data)
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render_template("dataprotection/find.html", form=form, results=results, role_labels=ROLE_LABELS, page_title="Subject access")


@bp.get("/people/<person_id>/subject-access")
@roles_required(*IG)
def exports(person_id: str) -> str:
    person, rows = review.list_reviews(db_session(), g.actor, person_id)
    return render_template("dataprotection/exports.html", person=person, rows=rows, page_title="Subject access")


@bp.post("/people/<person_id>/subject-access")
@roles_required(*IG)
def start(person_id: str) -> Response:
    row = review.start_review(db_session(), g.actor, person_id)
    flash("Draft export started. Information about other people has been marked for redaction: check every item.", "success")
    return redirect(url_for("dataprotection.review_export", export_id=row.id))


def _marks() -> tuple[dict[str, str], list[str]]:
    """The redactions ticked on the review page, and the keys ticked without a reason."""
    marks: dict[str, str] = {}
    missing: list[str] = []
    for key in request.form.getlist("redact"):
        reason = request.form.get(f"reason:{key}", "").strip()
        if reason:
            marks[key] = reason
        else:
            missing.append(key)
    return marks, missing


def _ids(found: review.Review) -> dict[str, str]:
    """An HTML id for each redactable key (keys hold characters ids should not)."""
    keys = (k for item in found.items for k in (item["key"], *(f"{item['key']}#{name}" for name in item["fields"])))
    return {key: f"r{n}" for n, key in enumerate(keys, start=1)}


def _review_page(found: review.Review, errors: list[dict[str, str]] | None = None, status: int = 200) -> tuple[str, int]:
    title = "Subject access export" if found.released else "Review a subject access export"
    html = render_template("dataprotection/review.html", r=found, ids=_ids(found), errors=errors or [], page_title=title)
    return html, status


@bp.get("/subject-access/<export_id>")
@roles_required(*IG)
def review_export(export_id: str) -> tuple[str, int]:
    return _review_page(review.get_review(db_session(), g.actor, export_id))


@bp.post("/subject-access/<export_id>")
@roles_required(*IG)
def save(export_id: str) -> Response | tuple[str, int]:
    dbs = db_session()
    marks, missing = _marks()
    if missing:  # the ticks come back as they were, pointing at the first empty reason
        found = review.get_review(dbs, g.actor, export_id)
        found.redactions = {**marks, **dict.fromkeys(missing, "")}
        return _review_page(found, [{"text": "Give a reason for each redaction", "href": f"#reason-{_ids(found)[missing[0]]}"}])
    try:
        review.save_redactions(dbs, g.actor, export_id, version=_version(), redactions=marks)
    except ValidationFailed as exc:
        found = review.get_review(dbs, g.actor, export_id)
        return _review_page(found, [{"text": m, "href": "#redactions"} for ms in exc.fields.values() for m in ms])
    flash("Redactions saved", "success")
    return redirect(url_for("dataprotection.review_export", export_id=export_id))


@bp.post("/subject-access/<export_id>/release")
@roles_required(*IG)
def release(export_id: str) -> Response:
    review.release(db_session(), g.actor, export_id, version=_version(), render_html=render_package_html)
    flash("Export released. Download the package and send it to the person securely.", "success")
    return redirect(url_for("dataprotection.review_export", export_id=export_id))


@bp.get("/subject-access/<export_id>/package")
@roles_required(*IG)
def package(export_id: str) -> Response:
    row, data = review.download(db_session(), g.actor, export_id)
    return zip_response(data, f"subject-access-{row.released_at:%Y-%m-%d}.zip" if row.released_at else "subject-access.zip")


@bp.get("/people/<person_id>")
@roles_required(*PEOPLE)
def person(person_id: str) -> str:
    record = rectify.person_record(db_session(), g.actor, person_id)
    opinions = {o.value: o.label for o in rectify.opinions(db_session(), record.person)}
    return render_template(
        "dataprotection/person.html",
        record=record,
        labels=rules.LABELS,
        opinions=opinions,
        role_labels=ROLE_LABELS,
        page_title="Person",
    )


def _correction_page(person_id: str | None, family_id: str | None) -> Response | str:
    dbs = db_session()
    if person_id:
        record = rectify.person_record(dbs, g.actor, person_id)
        family = record.family
        subject_type, back = "person", url_for("dataprotection.person", person_id=person_id)
    else:
        family = rectify.family_record(dbs, g.actor, family_id or "")
        subject_type, back = "family", url_for("families.show", family_id=family.id)
        record = None
    form = CorrectionForm()
    form.field.choices = [("", "Choose a detail")] + [(f, rules.LABELS[f]) for f in rules.fields_for(subject_type)]
    if form.validate_on_submit():
        try:
            if person_id:
                rectify.correct_person(dbs, g.actor, person_id, field=form.field.data or "", value=form.value.data, reason=form.reason.data)
            else:
                rectify.correct_family(
                    dbs, g.actor, family_id or "", field=form.field.data or "", value=form.value.data, reason=form.reason.data
                )
        except ValidationFailed as exc:
            apply_problems(form, exc)
        else:
            flash("Detail corrected. The previous value is kept in the history.", "success")
            return redirect(back)
    title = "Correct a person's details" if person_id else "Correct the family's details"
    return render_template(
        "dataprotection/correct.html", form=form, record=record, family=family, subject_type=subject_type, back=back, page_title=title
    )


@bp.route("/people/<person_id>/corrections/new", methods=["GET", "POST"])
@roles_required(*PEOPLE)
def correct_person(person_id: str) -> Response | str:
    return _correction_page(person_id, None)


@bp.route("/families/<family_id>/corrections/new", methods=["GET", "POST"])
@roles_required(*PEOPLE)
def correct_family(family_id: str) -> Response | str:
    return _correction_page(None, family_id)


@bp.route("/people/<person_id>/statements/new", methods=["GET", "POST"])
@roles_required(*PEOPLE)
def add_statement(person_id: str) -> Response | str:
    dbs = db_session()
    record = rectify.person_record(dbs, g.actor, person_id)
    form = StatementForm()
    choices = rectify.opinions(dbs, record.person)
    form.opinion.choices = [(o.value, o.label) for o in choices]
    if form.validate_on_submit():
        chosen = next((o for o in choices if o.value == form.opinion.data), None)
        try:
            rectify.add_statement(
                dbs,
                g.actor,
                person_id,
                record_type=chosen.record_type if chosen else "",
                record_id=chosen.record_id if chosen else "",
                section_key=chosen.section_key if chosen else None,
                text=form.text.data,
            )
        except ValidationFailed as exc:
            apply_problems(form, exc)
        else:
            flash("Statement of disagreement recorded. It is shown wherever the opinion is.", "success")
            return redirect(url_for("dataprotection.person", person_id=person_id))
    return render_template("dataprotection/statement.html", form=form, record=record, page_title="Record a statement of disagreement")
