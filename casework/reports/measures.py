"""The measures managers steer by: what each one counts, and the arithmetic on the counts.

Pure: no framework, no database. ``services.py`` turns each code into a query over the cases the
manager may see; here is what the code means, its label, how its value is formed (a count of
events, a median of days, a percentage of two counts) and the period and filter rules shared by
the dashboard, the drill-downs, the exports and the API.

Every figure counts by the date of the event measured: a request by when the case was opened, an
assessment by when it started or was submitted, a step by when it took effect, a closure by when
it was closed. Snapshot figures (open cases, overdue reviews) are taken at the end of the period.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

#: How a measure's value is formed.
COUNT, DAYS, PERCENT = "count", "days", "percent"
#: The closure reason whose share of all closures is "% closed with needs met".
NEEDS_MET = "needs_met"
#: The longest period a report may span (ten years): enough for any board, small enough to stay fast.
MAX_PERIOD_DAYS = 3660
#: The lead-professional filter for cases nobody leads.
UNALLOCATED = "none"
LOCALITY = re.compile(r"^[A-Z][0-9]{8}$")  # an LSOA code, e.g. E01000001


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    kind: str  # COUNT, DAYS or PERCENT
    section: str
    #: For a percentage or a median: what its figure is made of (the codes of its numerator and
    #: denominator, or of the cohort whose days are measured).
    parts: tuple[str, ...] = ()
    description: str = ""


REQUESTS, ASSESSMENTS, PLANS, CASES, STEPS, CLOSURES, SHARING, FLOW = (
    "Requests",
    "Assessments",
    "Team Around the Family",
    "Open cases",
    "Steps up and down",
    "Closures",
    "Consent and sharing",
    "Case flow",
)

MEASURES: tuple[Measure, ...] = (
    Measure("requests_received", "Requests received", COUNT, REQUESTS, description="Cases opened in the period"),
    Measure(
        "re_referrals_12m",
        "Re-referrals within 12 months",
        COUNT,
        REQUESTS,
        description="Requests for a family whose last case closed within the re-referral window",
    ),
    Measure(
        "assessments_started", "Assessments started", COUNT, ASSESSMENTS, description="First Early Help Assessments started in the period"
    ),
    Measure("assessments_completed", "Assessments completed", COUNT, ASSESSMENTS, description="First assessments submitted in the period"),
    Measure(
        "assessments_completed_in_timescale",
        "Assessments completed within timescale",
        COUNT,
        ASSESSMENTS,
        description="First assessments submitted in the period on or before their due date",
    ),
    Measure(
        "assessments_in_timescale_rate",
        "Assessments completed within timescale (%)",
        PERCENT,
        ASSESSMENTS,
        ("assessments_completed_in_timescale", "assessments_completed"),
    ),
    Measure(
        "median_days_request_to_assessment",
        "Median days from request to assessment",
        DAYS,
        ASSESSMENTS,
        ("assessments_completed",),
        "Calendar days from the case opening to the first assessment's submission, for assessments completed in the period",
    ),
    Measure("plans_started", "First Team Around the Family meetings", COUNT, PLANS, description="Plans agreed in the period"),
    Measure(
        "median_days_assessment_to_plan",
        "Median days from assessment to first TAF",
        DAYS,
        PLANS,
        ("plans_started",),
        "Calendar days from the first assessment's submission to the plan's agreement, for plans agreed in the period",
    ),
    Measure(
        "median_days_request_to_plan",
        "Median days from request to first TAF",
        DAYS,
        PLANS,
        ("plans_started",),
        "Calendar days from the case opening to the plan's agreement, for plans agreed in the period",
    ),
    Measure("reviews_held", "Reviews held", COUNT, PLANS, description="Team Around the Family reviews held in the period"),
    Measure(
        "reviews_on_time",
        "Reviews held on time",
        COUNT,
        PLANS,
        description="Reviews held in the period on or before the date they were due",
    ),
    Measure("reviews_on_time_rate", "Reviews held on time (%)", PERCENT, PLANS, ("reviews_on_time", "reviews_held")),
    Measure(
        "reviews_overdue",
        "Reviews overdue",
        COUNT,
        PLANS,
        description="Open plans whose next review date had passed at the end of the period",
    ),
    Measure("open_cases", "Open cases", COUNT, CASES, description="Cases open at the end of the period"),
    Measure("step_ups", "Step-ups", COUNT, STEPS, description="Steps up the continuum that took effect in the period"),
    Measure("step_downs", "Step-downs", COUNT, STEPS, description="Steps down the continuum that took effect in the period"),
    Measure("closures", "Closures", COUNT, CLOSURES, description="Cases closed in the period"),
    Measure(
        "closures_needs_met",
        "Closures with needs met",
        COUNT,
        CLOSURES,
        description="Cases closed in the period because their needs were met",
    ),
    Measure("closures_needs_met_rate", "Closed with needs met (%)", PERCENT, CLOSURES, ("closures_needs_met", "closures")),
    Measure(
        "post_closure_checks_due",
        "Post-closure checks due",
        COUNT,
        CLOSURES,
        description="Checks six months after closure falling due in the period",
    ),
    Measure(
        "post_closure_checks_recorded",
        "Post-closure checks recorded",
        COUNT,
        CLOSURES,
        description="Checks due in the period whose outcome has been recorded",
    ),
    Measure(
        "outcomes_sustained",
        "Outcomes sustained at six months",
        COUNT,
        CLOSURES,
        description="Checks due in the period that found the outcomes sustained",
    ),
    Measure("outcomes_sustained_rate", "Outcomes sustained (%)", PERCENT, CLOSURES, ("outcomes_sustained", "post_closure_checks_recorded")),
    Measure("share_decisions", "Decisions about sharing", COUNT, SHARING, description="Decisions to share or not recorded in the period"),
    Measure("share_agreements", "Agreements to share", COUNT, SHARING, description="Agreements to share recorded in the period"),
    Measure("agreement_to_share_rate", "Agreement to share (%)", PERCENT, SHARING, ("share_agreements", "share_decisions")),
    Measure(
        "shares_without_consent",
        "Shares without consent",
        COUNT,
        SHARING,
        description="Decisions to share without consent made in the period",
    ),
    Measure("flow_requested", "Requests", COUNT, FLOW, description="Cases opened in the period"),
    Measure("flow_assessed", "Assessed", COUNT, FLOW, description="Of those, cases whose assessment has started"),
    Measure("flow_planned", "Plan agreed", COUNT, FLOW, description="Of those, cases with a Team Around the Family plan"),
    Measure("flow_closed", "Closed", COUNT, FLOW, description="Of those, cases closed since"),
    Measure("flow_stepped_up", "Stepped up", COUNT, FLOW, description="Of those, cases stepped up to the statutory level"),
)
BY_CODE: Mapping[str, Measure] = {m.code: m for m in MEASURES}
#: The case-flow picture's stages, in order.
FLOW_STAGES = ("flow_requested", "flow_assessed", "flow_planned", "flow_closed", "flow_stepped_up")
#: The measures whose value is a count of events (each with a drill-down of its cases).
COUNTED = tuple(m.code for m in MEASURES if m.kind == COUNT)
SECTIONS = tuple(dict.fromkeys(m.section for m in MEASURES if m.section != FLOW))


class FilterProblem(ValueError):
    """Filters that cannot be used: ``fields`` names each bad filter and why."""

    def __init__(self, fields: Mapping[str, list[str]]) -> None:
        super().__init__("The report's filters are not valid.")
        self.fields = dict(fields)


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: date
    end: date

    @property
    def after(self) -> date:
        """The first day after the period (events before it are in)."""
        return self.end + timedelta(days=1)

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def default_period(today: date) -> Period:
    """The last twelve months, today included."""
    try:
        start = today.replace(year=today.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28) + timedelta(days=1)
    return Period(start, today)


@dataclass(frozen=True)
class Filters:
    """What a report is about: the period, and optionally one team, level, locality (LSOA code),
    lead professional or closure reason. Ids and codes only, never names, so they can travel in
    a URL."""

    period: Period
    team: str | None = None
    level: int | None = None
    locality: str | None = None
    lead: str | None = None
    reason: str | None = None

    def query(self, **extra: str | int | None) -> dict[str, str]:
        """The filters as query-string parameters (the names the pages and the API read)."""
        values: dict[str, str | int | None] = {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "team": self.team,
            "level": self.level,
            "locality": self.locality,
            "lead_professional_id": self.lead,
            "closure_reason": self.reason,
            **extra,
        }
        return {key: str(value) for key, value in values.items() if value is not None and value != ""}

    def narrowed(self, **changes: object) -> Filters:
        return replace(self, **changes)  # type: ignore[arg-type]


def _date(text: str | None, field: str, problems: dict[str, list[str]]) -> date | None:
    if text is None or text == "":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems[field] = ["Enter a date as YYYY-MM-DD"]
        return None


def parse_filters(
    args: Mapping[str, str | None],
    today: date,
    *,
    teams: Iterable[str],
    levels: Iterable[int],
    reasons: Iterable[str],
) -> Filters:
    """Read the filters from query-string text. ``teams``: the teams the reader manages (a team
    filter must be one of them); ``levels`` and ``reasons``: the practice framework's codes.
    Raises :class:`FilterProblem` naming every bad filter."""
    problems: dict[str, list[str]] = {}
    start, end = _date(args.get("from"), "from", problems), _date(args.get("to"), "to", problems)
    end = end or today
    period = Period(start or default_period(end).start, end)
    if "from" not in problems and "to" not in problems:
        if period.start > period.end:
            problems["from"] = ["The start of the period must be on or before its end"]
        elif (period.end - period.start).days > MAX_PERIOD_DAYS:
            problems["from"] = ["A report covers at most ten years"]
    team = args.get("team") or None
    if team is not None and team not in set(teams):
        problems["team"] = ["Choose one of the teams you manage"]
    level: int | None = None
    if args.get("level"):
        text = str(args.get("level"))
        if text.isdigit() and int(text) in set(levels):
            level = int(text)
        else:
            problems["level"] = ["Choose a level of the continuum"]
    locality = (args.get("locality") or "").strip().upper() or None
    if locality is not None and not LOCALITY.match(locality):
        problems["locality"] = ["Enter a locality as an LSOA code, like E01000001"]
    reason = args.get("closure_reason") or None
    if reason is not None and reason not in set(reasons):
        problems["closure_reason"] = ["Choose a closure reason of the practice framework"]
    lead = args.get("lead_professional_id") or None
    if lead is not None and lead != UNALLOCATED and (len(lead) > 36 or not re.fullmatch(r"[0-9a-fA-F-]+", lead)):
        problems["lead_professional_id"] = ["Choose a lead professional"]
    if problems:
        raise FilterProblem(problems)
    return Filters(period, team, level, locality, lead, reason)


def median(values: Iterable[float]) -> float | None:
    """The median, or None for no values; halves are kept (3.5 days)."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a percentage to one decimal place; None when ``whole`` is 0."""
    if whole <= 0:
        return None
    return math.floor(1000 * part / whole + 0.5) / 10


def days_between(start: date, end: date) -> int:
    return (end - start).days


def review_on_time(held_on: date, due_on: date | None) -> bool:
    """A review is on time when held on or before the date it was due (no due date: on time)."""
    return due_on is None or held_on <= due_on


def review_overdue_at(due_on: date | None, at: date) -> bool:
    """A plan's next review is overdue at ``at`` once its due date has passed."""
    return due_on is not None and due_on < at


def drill_code(measure: Measure) -> str:
    """The counted measure whose cases are behind ``measure``'s figure: itself for a count, the
    whole (denominator) for a percentage, the cohort for a median."""
    if measure.kind == PERCENT:
        return measure.parts[1]
    if measure.kind == DAYS:
        return measure.parts[0]
    return measure.code


def value_of(measure: Measure, counts: Mapping[str, int], days: Mapping[str, list[int]]) -> float | int | None:
    """A measure's figure from the counted measures and the day spans of the median measures."""
    if measure.kind == COUNT:
        return counts.get(measure.code, 0)
    if measure.kind == PERCENT:
        part, whole = measure.parts
        return percent(counts.get(part, 0), counts.get(whole, 0))
    return median(days.get(measure.code, []))


def shown(value: float | int | None, kind: str) -> str:
    """A figure as the pages and exports show it."""
    if value is None:
        return "–"
    if kind == PERCENT:
        return f"{value:.1f}%"
    if kind == DAYS:
        return f"{value:g}"
    return f"{int(value):,}"


@dataclass(frozen=True)
class ReviewRecord:
    held_on: date
    next_review_on: date | None


@dataclass(frozen=True)
class PlanHistory:
    """A plan as the review measures need it: its case, when it was agreed, whether its case
    was open at the end of the period, and its reviews held up to then, in order."""

    case_id: str
    agreed_on: date
    open_at_end: bool
    reviews: tuple[ReviewRecord, ...]


@dataclass(frozen=True)
class ReviewFigures:
    held: tuple[str, ...]  # a case id per review held in the period
    on_time: tuple[str, ...]
    overdue: tuple[str, ...]  # case ids of open plans whose next review had passed at the end


def review_figures(plans: Iterable[PlanHistory], period: Period, at: date, first_due: Callable[[date], date]) -> ReviewFigures:
    """Reviews held in ``period`` and whether each was on time (due: the previous review's next
    date, or ``first_due(agreed_on)`` for the first), and open plans overdue for review at ``at``
    (the end of the period, or today if sooner). A final review leaves nothing due."""
    held: list[str] = []
    on_time: list[str] = []
    overdue: list[str] = []
    for plan in plans:
        due: date | None = first_due(plan.agreed_on)
        for review in plan.reviews:
            if review.held_on > at:
                break
            if period.start <= review.held_on <= period.end:
                held.append(plan.case_id)
                if review_on_time(review.held_on, due):
                    on_time.append(plan.case_id)
            due = review.next_review_on
        if plan.open_at_end and plan.agreed_on <= at and review_overdue_at(due, at):
            overdue.append(plan.case_id)
    return ReviewFigures(tuple(held), tuple(on_time), tuple(overdue))
