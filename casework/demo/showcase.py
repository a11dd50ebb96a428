"""Families whose cases show every stage, loaded first by each team so that even a small demo
has them: a request waiting for allocation, an overdue assessment, a plan, an immediate-risk
step-up awaiting a manager's review, a step-down waiting for approval, a pending handover, a
rejected step-up, a closure, a re-referral and a family returning after more than a year. The
team's featured practitioner (who signs in to the demo) leads or receives most of them, so
their "My work" has something in every list.

Each is a :class:`~casework.demo.journeys.Script` with some delays fixed and an anchor: one of
its steps placed in the week up to a given number of days before the load, the rest of the case
moved with it by whole weeks (so it stays on weekdays in working hours, though now and then on
a bank holiday). A step meant to be still awaited is therefore planned more than a week after
its anchor; ``tests/cli/test_demo_cases.py`` checks every story on days all through a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .journeys import Planner, Roster, Script
from .lifecycle import Action


@dataclass(frozen=True)
class Story:
    """A case anchored at ``mark`` ``days_ago``; with ``earlier``, a closed case ``gap_days``
    before it opened."""

    script: Script
    mark: str
    days_ago: float
    earlier: Script | None = None
    gap_days: float = 0


STORIES: tuple[Story, ...] = (
    # A request for support nobody has picked up yet.
    Story(Script(lead="none", stop="requested", closes=False), "open", 1),
    # A practitioner took the request; the assessment has not started.
    Story(Script(lead="self", stop="requested", closes=False, featured="lead", delays={"allocate": 0.3}), "allocated", 1),
    # An assessment past its due date.
    Story(Script(stop="assessment", closes=False, featured="lead", delays={"allocate": 1, "assessment": 2}), "open", 62),
    # A plan after a step-up to targeted help; the lead handed over to a colleague.
    Story(
        Script(
            level=2,
            closes=False,
            journey="up",
            handover="accepted",
            featured="receiver",
            delays={"plan": 30, "journey": 20, "handover": 45},
        ),
        "plan",
        40,
    ),
    # An immediate-risk step-up to social care, in effect and awaiting a manager's review.
    Story(Script(closes=False, journey="immediate", featured="lead", delays={"plan": 25, "journey": 60, "review": 9}), "journey", 1),
    # A step-down from social care: the receiving lead accepted, the manager has yet to decide.
    Story(
        Script(
            closes=False,
            journey="immediate_down",
            receiver_same=False,
            featured="lead",
            delays={"plan": 30, "journey": 40, "review": 1, "stay": 60, "accept": 1, "decide2": 12},
        ),
        "journey2",
        3,
    ),
    # A step-up waiting for a manager, and a handover waiting for the colleague to accept.
    Story(
        Script(
            level=2,
            closes=False,
            journey="up",
            handover="accepted",
            featured="receiver",
            delays={"plan": 25, "journey": 50, "decide": 10, "handover": 47, "answer": 20},
        ),
        "journey",
        2,
    ),
    # Closed after a plan; a step-up was rejected on the way.
    Story(
        Script(level=2, journey="up_rejected", close_reason="single_agency_continues", delays={"plan": 35, "journey": 40, "close": 200}),
        "close",
        45,
    ),
    # A re-referral: a case closed five months before this one opened.
    Story(
        Script(stop="assessment", closes=False),
        "assessment",
        12,
        earlier=Script(close_reason="stepped_down_to_universal", delays={"close": 150}),
        gap_days=150,
    ),
    # Back after more than a year: the earlier case closed when social care took the lead.
    Story(
        Script(source="step_down_from_social_care", closes=False, delays={"plan": 30}),
        "plan",
        20,
        earlier=Script(
            level=3, journey="immediate", close_reason="stepped_up_to_social_care", delays={"plan": 30, "journey": 40, "close": 90}
        ),
        gap_days=400,
    ),
    # Stepped down from social care to a new lead professional, who now leads the plan.
    Story(
        Script(
            closes=False,
            journey="immediate_down",
            receiver_same=False,
            featured="receiver",
            delays={"plan": 20, "journey": 30, "review": 1, "stay": 45, "accept": 1, "decide2": 3},
        ),
        "journey2",
        40,
    ),
    # A step-down from social care waiting for the receiving lead professional to accept it.
    Story(
        Script(
            closes=False,
            journey="immediate_down",
            receiver_same=False,
            featured="receiver",
            delays={"plan": 30, "journey": 40, "review": 1, "stay": 50, "accept": 12, "decide2": 3},
        ),
        "journey2",
        2,
    ),
    # Closed during the assessment: the family stopped engaging; a handover had been declined.
    Story(
        Script(
            stop="assessment",
            handover="declined",
            close_reason="family_disengaged",
            delays={"assessment": 2, "handover": 5, "answer": 2, "close": 30},
        ),
        "close",
        10,
    ),
)


def story_cases(planner: Planner, story: Story, roster: Roster, fits: frozenset[str]) -> list[list[Action]]:
    """The cases of ``story``, oldest first."""
    provisional = planner.now - timedelta(days=900)
    latest = planner.plan_case(roster, provisional, story.script, fits)
    latest = latest.anchored(story.mark, planner.now - timedelta(days=story.days_ago))
    if story.earlier is None:
        return [latest.actions]
    earlier = planner.plan_case(roster, provisional, story.earlier, fits)
    earlier = earlier.anchored("close", latest.marks["open"] - timedelta(days=story.gap_days))
    return [earlier.actions, latest.actions]
