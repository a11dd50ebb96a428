"""The council's practice framework, loaded from TOML into plain, frozen objects.

No two councils run early help the same way (DOMAIN.md), so levels, timescales, assessment
domains, closure reasons and retention are data. :func:`load_practice` validates a file and
raises :class:`PracticeError` naming every problem it found; the app refuses to start then.
Pure: standard library only.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUESTION_TYPES = ("text", "choice", "score", "date", "level")
SECTION_SCOPES = ("family", "child")
RETENTION_RULES = ("youngest_child_age", "years_after_closure")


class PracticeError(ValueError):
    """The practice framework file is invalid; the message names each problem."""


@dataclass(frozen=True)
class Level:
    number: int
    name: str
    description: str
    needs_assessment: bool
    needs_lead_professional: bool
    needs_plan: bool
    statutory: bool


@dataclass(frozen=True)
class Timescales:
    assessment_due_working_days: int
    first_taf_due_working_days: int
    review_every_weeks: int
    drift_open_months: int
    drift_review_count: int
    post_closure_check_months: int
    re_referral_window_months: int
    #: an action due within this many working days shows amber (optional in the file; default 5)
    action_amber_working_days: int = 5


@dataclass(frozen=True)
class Scoring:
    min: int
    max: int
    label: str


@dataclass(frozen=True)
class Retention:
    """How long a family's records are kept (``casework.retention.rules`` applies it).

    ``youngest_child_age``: until the youngest child (or unborn baby, by the expected date) of
    the family reaches ``age_years``, and at least ``years_after_closure`` after the last case
    closed. ``years_after_closure``: that many years after the last case closed. A family with no
    child's date recorded is kept ``years_without_children`` after the last case closed.
    """

    rule: str
    age_years: int = 0
    years_after_closure: int = 0
    years_without_children: int = 6


@dataclass(frozen=True)
class Coded:
    code: str
    label: str
    needs_final_review: bool = False


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    type: str
    required: bool
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Domain:
    key: str
    title: str
    scope: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Practice:
    name: str
    levels: tuple[Level, ...]
    timescales: Timescales
    scoring: Scoring
    retention: Retention
    consent_purposes: tuple[Coded, ...]
    closure_reasons: tuple[Coded, ...]
    domains: tuple[Domain, ...]

    def level(self, number: int) -> Level:
        """The level with this number; ``KeyError`` when the continuum has none."""
        for level in self.levels:
            if level.number == number:
                return level
        raise KeyError(number)

    def has_level(self, number: int) -> bool:
        return any(level.number == number for level in self.levels)

    @property
    def statutory_level(self) -> Level:
        return next(level for level in self.levels if level.statutory)

    def closure_reason(self, code: str) -> Coded | None:
        return next((r for r in self.closure_reasons if r.code == code), None)


class _Reader:
    """Collects every problem rather than stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            self.problems.append(f"{where}: [{key}] is missing or is not a table")
            return {}
        return value

    def tables(self, data: Mapping[str, Any], key: str, where: str) -> Sequence[Mapping[str, Any]]:
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.problems.append(f"{where}: [[{key}]] must list at least one entry")
            return []
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{where}: '{key}' must be non-empty text")
            return ""
        return value.strip()

    def integer(self, data: Mapping[str, Any], key: str, where: str, minimum: int = 0) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problems.append(f"{where}: '{key}' must be a whole number of at least {minimum}")
            return minimum
        return value

    def flag(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problems.append(f"{where}: '{key}' must be true or false")
            return False
        return value

    def unique(self, codes: Sequence[str], what: str) -> None:
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                self.problems.append(f"{what}: '{code}' appears more than once")
            seen.add(code)


def parse_practice(data: Mapping[str, Any], source: str = "practice framework") -> Practice:
    """Validate parsed TOML and build a :class:`Practice`; raise :class:`PracticeError`."""
    r = _Reader()
    levels = []
    for i, raw in enumerate(r.tables(data, "levels", source), start=1):
        where = f"{source}: level {i}"
        levels.append(
            Level(
                number=r.integer(raw, "number", where, minimum=1),
                name=r.text(raw, "name", where),
                description=r.text(raw, "description", where),
                needs_assessment=r.flag(raw, "needs_assessment", where),
                needs_lead_professional=r.flag(raw, "needs_lead_professional", where),
                needs_plan=r.flag(raw, "needs_plan", where),
                statutory=r.flag(raw, "statutory", where),
            )
        )
    numbers = [level.number for level in levels]
    if levels and numbers != list(range(1, len(levels) + 1)):
        r.problems.append(f"{source}: levels must be numbered 1 to {len(levels)} in order, found {numbers}")
    if levels and sum(level.statutory for level in levels) != 1:
        r.problems.append(f"{source}: exactly one level must be marked statutory = true")

    ts = r.table(data, "timescales", source)
    where = f"{source}: [timescales]"
    timescales = Timescales(
        assessment_due_working_days=r.integer(ts, "assessment_due_working_days", where, 1),
        first_taf_due_working_days=r.integer(ts, "first_taf_due_working_days", where, 1),
        review_every_weeks=r.integer(ts, "review_every_weeks", where, 1),
        drift_open_months=r.integer(ts, "drift_open_months", where, 1),
        drift_review_count=r.integer(ts, "drift_review_count", where, 1),
        post_closure_check_months=r.integer(ts, "post_closure_check_months", where, 1),
        re_referral_window_months=r.integer(ts, "re_referral_window_months", where, 1),
        action_amber_working_days=r.integer(ts, "action_amber_working_days", where, 0) if "action_amber_working_days" in ts else 5,
    )

    sc = r.table(data, "scoring", source)
    scoring = Scoring(
        min=r.integer(sc, "min", f"{source}: [scoring]"),
        max=r.integer(sc, "max", f"{source}: [scoring]", minimum=1),
        label=r.text(sc, "label", f"{source}: [scoring]"),
    )
    if scoring.max <= scoring.min:
        r.problems.append(f"{source}: [scoring] max must be greater than min")

    retention = _retention(r, r.table(data, "retention", source), f"{source}: [retention]")

    def coded(key: str) -> tuple[Coded, ...]:
        items = tuple(
            Coded(
                code=r.text(raw, "code", f"{source}: {key} {i}"),
                label=r.text(raw, "label", f"{source}: {key} {i}"),
                needs_final_review=r.flag(raw, "needs_final_review", f"{source}: {key} {i}"),
            )
            for i, raw in enumerate(r.tables(data, key, source), start=1)
        )
        r.unique([item.code for item in items], f"{source}: {key}")
        return items

    purposes = coded("consent_purposes")
    missing_purposes = {"assessment", "share"} - {p.code for p in purposes}
    if purposes and missing_purposes:
        r.problems.append(f"{source}: consent_purposes must include {', '.join(sorted(missing_purposes))}")
    reasons = coded("closure_reasons")

    domains = []
    assessment = r.table(data, "assessment", source)
    for i, raw in enumerate(r.tables(assessment, "domains", f"{source}: [assessment]"), start=1):
        where = f"{source}: assessment domain {i}"
        scope = r.text(raw, "scope", where)
        if scope and scope not in SECTION_SCOPES:
            r.problems.append(f"{where}: scope must be one of {', '.join(SECTION_SCOPES)}")
        questions = []
        raw_questions = raw.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            r.problems.append(f"{where}: 'questions' must list at least one question")
            raw_questions = []
        for j, q in enumerate(raw_questions, start=1):
            qwhere = f"{where} question {j}"
            if not isinstance(q, dict):
                r.problems.append(f"{qwhere}: must be a table")
                continue
            qtype = r.text(q, "type", qwhere)
            if qtype and qtype not in QUESTION_TYPES:
                r.problems.append(f"{qwhere}: type must be one of {', '.join(QUESTION_TYPES)}")
            choices = q.get("choices", [])
            if qtype == "choice" and (not isinstance(choices, list) or not choices):
                r.problems.append(f"{qwhere}: a choice question needs a list of choices")
                choices = []
            questions.append(
                Question(
                    key=r.text(q, "key", qwhere),
                    label=r.text(q, "label", qwhere),
                    type=qtype,
                    required=r.flag(q, "required", qwhere),
                    choices=tuple(str(c) for c in choices) if isinstance(choices, list) else (),
                )
            )
        r.unique([q.key for q in questions], f"{where} question keys")
        domains.append(Domain(key=r.text(raw, "key", where), title=r.text(raw, "title", where), scope=scope, questions=tuple(questions)))
    r.unique([d.key for d in domains], f"{source}: assessment domain keys")

    if r.problems:
        raise PracticeError("The practice framework is invalid:\n- " + "\n- ".join(r.problems))
    return Practice(
        name=r.text(data, "name", source, default="Practice framework"),
        levels=tuple(levels),
        timescales=timescales,
        scoring=scoring,
        retention=retention,
        consent_purposes=purposes,
        closure_reasons=reasons,
        domains=tuple(domains),
    )


def _retention(r: _Reader, rt: Mapping[str, Any], where: str) -> Retention:
    rule = r.text(rt, "rule", where)
    if rule and rule not in RETENTION_RULES:
        r.problems.append(f"{where} rule must be one of {', '.join(RETENTION_RULES)}")
    by_age = rule == "youngest_child_age"
    after = r.integer(rt, "years_after_closure", where, 0 if by_age else 1) if "years_after_closure" in rt or not by_age else 0
    return Retention(
        rule=rule,
        age_years=r.integer(rt, "age_years", where, minimum=18) if by_age or "age_years" in rt else 0,
        years_after_closure=after,
        years_without_children=r.integer(rt, "years_without_children", where, 1) if "years_without_children" in rt else 6,
    )


def load_practice(path: Path) -> Practice:
    """Read and validate the practice framework at ``path``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PracticeError(f"The practice framework file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise PracticeError(f"The practice framework file {path} is not valid TOML: {exc}") from None
    return parse_practice(data, source=path.name)
