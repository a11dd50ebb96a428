"""Planning demo case histories: who does what to each case, and when. Pure.

A :class:`Script` fixes the shape of one case (how it is allocated, how far it gets, whether it
moves up or down the continuum, whether the lead changes); :class:`Planner` turns it into dated
:class:`~casework.demo.lifecycle.Action` values by the council's usual rhythm: allocation within
days, an assessment of several weeks, a plan of months. Times fall in working hours on working
days. The plan runs past ``now`` when the case is still going; only what is due by then happens
(:class:`~casework.demo.lifecycle.CaseBook`).

Most families get a random history (:meth:`Planner.random_family`): about 30% have no case; the
others a first case opened at any time in the last two years, and some of those whose case
closed come back (a re-referral when within the framework's window). Seeded: the same seed gives
the same histories.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from itertools import accumulate

from casework.cases import rules
from casework.practice import Practice
from casework.workdays import is_working_day

from . import texts
from .lifecycle import ACCEPT as ACCEPT_TRANSFER
from .lifecycle import ACCEPTED, ANSWER, ASSIGN, CLOSE, DECIDE, DECLINED, OPEN, REQUEST, STATUS, Action

DAY = timedelta(days=1)
WINDOW_DAYS = 730  # first cases open at any time in the last two years
NO_CASE = 0.30
RETURNS = 0.30  # of families whose case closed, the share referred again
MAX_CASES = 3
#: Reasons an early closure (before a plan) gives; the rest close after a plan.
EARLY_REASONS = ("family_disengaged", "consent_withdrawn", "moved_out_of_area", "single_agency_continues", "other")
CLOSURE_WEIGHTS = {
    "single_agency_continues": 35,
    "stepped_down_to_universal": 30,
    "family_disengaged": 12,
    "consent_withdrawn": 5,
    "moved_out_of_area": 6,
    "other": 4,
}
STATUTORY_REASON = "stepped_up_to_social_care"
#: Weighted random choices for :meth:`Planner.random_script`. Journeys (changes of level): "up"
#: to the next level (or statutory), approved, or "up_rejected"; "down" to a lower entry level;
#: "immediate", an immediate-risk step-up to the statutory level reviewed afterwards, or
#: "statutory", one approved beforehand; either followed by "_down", a step-down to a receiving
#: lead who accepts, approved ("down_rejected": rejected).
LEADS = (("manager", 62), ("self", 35), ("none", 3))
STOPS = (("plan", 86), ("assessment", 11), ("requested", 3))
JOURNEYS = (
    ("none", 78),
    ("up", 9),
    ("up_rejected", 1),
    ("down", 3),
    ("immediate", 3),
    ("immediate_down", 2.5),
    ("statutory", 1.5),
    ("statutory_down", 1.5),
    ("down_rejected", 0.5),
)
HANDOVERS = (("none", 78), ("accepted", 12), ("declined", 3), ("reallocated", 7))


@dataclass(frozen=True)
class Roster:
    """A team's staff: practitioners lead cases; managers allocate and decide. ``featured``: a
    practitioner who signs in to the demo, given the showcase cases."""

    team_id: str
    practitioners: tuple[str, ...]
    managers: tuple[str, ...]
    featured: str | None = None

    @cached_property
    def staff(self) -> frozenset[str]:
        return frozenset(self.practitioners) | frozenset(self.managers)

    @cached_property
    def manager_set(self) -> frozenset[str]:
        return frozenset(self.managers)

    @cached_property
    def staff_list(self) -> tuple[str, ...]:
        return self.practitioners + self.managers


@dataclass
class Script:
    """The shape of one case. ``delays`` (days after the step before) fix what is otherwise
    drawn at random: allocate, assessment, plan, close, journey, decide, review, stay (at the
    statutory level), accept, decide2, handover, answer, closing (after the last other step)."""

    level: int | None = None
    source: str = "request_for_support"
    lead: str = "manager"  # who allocates: a manager, the practitioner themself, or nobody ("none")
    stop: str = "plan"  # the furthest stage: requested, assessment or plan
    closes: bool = True
    journey: str = "none"  # a name from JOURNEYS
    receiver_same: bool = True  # a step-down from statutory returns to the same lead
    handover: str = "none"  # a name from HANDOVERS
    close_reason: str | None = None
    delays: Mapping[str, float] = field(default_factory=dict)
    #: The team's featured practitioner (who signs in to the demo) is the "lead", or the
    #: "receiver" of a handover or step-down; None: whoever the dice choose.
    featured: str | None = None


@dataclass
class Planned:
    actions: list[Action]
    marks: dict[str, datetime]  # when the main steps are due: open, allocated, assessment, ...
    closes_at: datetime | None
    close_reason: str | None

    def shifted(self, by: timedelta) -> Planned:
        return Planned(
            [a._replace(at=a.at + by) for a in self.actions],
            {k: v + by for k, v in self.marks.items()},
            self.closes_at + by if self.closes_at else None,
            self.close_reason,
        )

    def anchored(self, mark: str, at: datetime) -> Planned:
        """Moved by whole weeks (weekdays and hours kept) so that ``mark`` falls in the week before ``at``."""
        weeks = math.floor((at - self.marks[mark]) / timedelta(weeks=1))
        return self.shifted(timedelta(weeks=weeks))


class Odds:
    """Values with weights, drawn by one ``random()`` and a bisection (``choices`` costs more)."""

    def __init__(self, pairs: Sequence[tuple[str, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


#: Working days are looked up for every planned step: remember them.
working_day = lru_cache(maxsize=8192)(is_working_day)


_LEADS, _STOPS, _JOURNEYS, _HANDOVERS = Odds(LEADS), Odds(STOPS), Odds(JOURNEYS), Odds(HANDOVERS)


class Planner:
    """Dated actions for cases of one practice framework."""

    def __init__(self, practice: Practice, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.entry = [level.number for level in rules.entry_levels(practice)]
        self.statutory = practice.statutory_level.number
        self.reasons = [r.code for r in practice.closure_reasons if not r.needs_final_review]
        if not self.entry or not self.reasons:
            raise ValueError("the practice framework needs an entry level and a closure reason without a final review")
        early = [r for r in self.reasons if r in EARLY_REASONS] or self.reasons
        self._closures = {
            early_: Odds([(r, CLOSURE_WEIGHTS.get(r, 3)) for r in pool]) for early_, pool in ((True, early), (False, self.reasons))
        }
        self._request_texts: dict[frozenset[str], list[str]] = {}

    # -- time ------------------------------------------------------------------------------

    def at_work(self, t: datetime) -> datetime:
        """``t`` when it falls in working hours (08:00-18:00 UTC on a working day), else a random
        time between 08:30 and 17:30 on the next working day that is not before it."""
        if not 8 <= t.hour < 18:
            day = (t + DAY if t.hour >= 18 else t).replace(hour=0, minute=0, second=0, microsecond=0)
            t = day + timedelta(seconds=self.rng.uniform(8.5 * 3600, 17.5 * 3600))
        while not working_day(t.date()):
            t += DAY
        return t

    def after(self, t: datetime, script: Script, name: str, low: float, high: float) -> datetime:
        """``t`` plus the script's delay ``name`` (with up to six hours' play) or a random one."""
        days = script.delays.get(name)
        if days is None:
            days = self.rng.uniform(low, max(low, high))
        else:
            days += self.rng.uniform(0, 0.25)
        return self.at_work(t + timedelta(days=days))

    # -- choices ---------------------------------------------------------------------------

    def request_reason(self, fits: frozenset[str]) -> str:
        choices = self._request_texts.get(fits)
        if choices is None:
            choices = self._request_texts[fits] = [t.text for t in texts.REQUEST_REASONS if t.fits in fits]
        return self.rng.choice(choices)

    def fitting(self, options: Sequence[texts.Text | None], fits: frozenset[str]) -> str | None:
        """The text of one of ``options`` at random; None (no text given) when it is None or does
        not fit the family."""
        choice = self.rng.choice(options)
        return None if choice is None or choice.fits not in fits else choice.text

    def close_reason(self, script: Script, level: int, early: bool) -> str:
        if script.close_reason in self.reasons:
            return script.close_reason
        if level == self.statutory and STATUTORY_REASON in self.reasons:
            return STATUTORY_REASON
        return self._closures[early].pick(self.rng)

    def random_script(self, previous_reason: str | None) -> Script:
        rng = self.rng
        lead = _LEADS.pick(rng)
        stop = "requested" if lead == "none" else _STOPS.pick(rng)
        source = "request_for_support" if rng.random() < 0.92 else "other"
        if previous_reason == STATUTORY_REASON and rng.random() < 0.6:
            source = "step_down_from_social_care"
        return Script(
            source=source,
            lead=lead,
            stop=stop,
            journey="none" if stop == "requested" else _JOURNEYS.pick(rng),
            receiver_same=rng.random() < 0.5,
            handover="none" if stop == "requested" else _HANDOVERS.pick(rng),
        )

    def random_family(self, roster: Roster, fits: frozenset[str]) -> list[list[Action]]:
        """Zero to three cases, each opened after the one before closed."""
        rng = self.rng
        if rng.random() < NO_CASE:
            return []
        start = self.now - timedelta(days=rng.uniform(0, WINDOW_DAYS))
        cases: list[list[Action]] = []
        previous: str | None = None
        while len(cases) < MAX_CASES:
            planned = self.plan_case(roster, start, self.random_script(previous), fits)
            cases.append(planned.actions)
            if planned.closes_at is None or planned.closes_at > self.now or rng.random() >= RETURNS:
                break
            gap = rng.uniform(14, 330) if rng.random() < 0.7 else rng.uniform(370, 560)
            start, previous = planned.closes_at + timedelta(days=gap), planned.close_reason
            if start > self.now:
                break
        return cases

    # -- one case --------------------------------------------------------------------------

    def plan_case(self, roster: Roster, start: datetime, script: Script, fits: frozenset[str]) -> Planned:
        rng = self.rng
        level = script.level if script.level is not None else self.entry[0 if rng.random() < 0.55 else -1]
        t = self.at_work(start)
        actions = [Action(t, OPEN, rng.choice(roster.staff_list), level=level, code=script.source, text=self.request_reason(fits))]
        marks = {"open": t}
        lead = rng.choice(roster.practitioners)
        if roster.featured and script.featured == "lead":
            lead = roster.featured
        elif roster.featured and script.featured == "receiver" and lead == roster.featured:
            lead = self._receiver(roster, Script(), lead)  # someone else, to hand over to them
        leads = _Leads()
        if script.lead != "none":
            allocator = lead if script.lead == "self" else rng.choice(roster.managers)
            t = marks["allocated"] = self.after(t, script, "allocate", 0.1, 5)
            why = texts.SELF_ALLOCATION_REASONS if script.lead == "self" else texts.ALLOCATION_REASONS
            actions.append(Action(t, ASSIGN, allocator, user=lead, text=self.fitting(why, fits)))
            leads.change(t, lead)
        if script.stop != "requested":
            t = marks["assessment"] = self.after(t, script, "assessment", 0.5, 9)
            actions.append(Action(t, STATUS, lead, code="assessment"))
        if script.stop == "plan":
            t = marks["plan"] = self.after(t, script, "plan", 18, 75)
            actions.append(Action(t, STATUS, lead, code="plan"))
        if script.stop == "plan":
            close_at = self.after(t, script, "close", 0, 0) if "close" in script.delays else self._plan_close(t)
        else:
            close_at = self.after(t, script, "close", 5, 50)
        last = t
        if "assessment" in marks:
            span = max(4.0, (close_at - marks["assessment"]) / DAY - 20)
            level, last = self._journey(actions, marks, roster, script, leads, level, span)
            last = max(last, self._handover(actions, marks, roster, script, leads, span))
        if not script.closes:
            return Planned(actions, marks, None, None)
        if close_at <= last:
            close_at = self.after(last, script, "closing", 3, 25)
        reason = self.close_reason(script, level, early=script.stop != "plan")
        current = leads.at(close_at)
        closer = current if current is not None and rng.random() < 0.8 else rng.choice(roster.managers)
        summary = rng.choice(texts.summaries_for(reason))
        marks["close"] = close_at
        actions.append(Action(close_at, CLOSE, closer, code=reason, text=summary))
        return Planned(actions, marks, close_at, reason)

    def _plan_close(self, plan_at: datetime) -> datetime:
        days = min(540.0, max(30.0, self.rng.lognormvariate(math.log(150), 0.6)))
        return self.at_work(plan_at + timedelta(days=days))

    def _receiver(self, roster: Roster, script: Script, lead: str | None) -> str:
        """A colleague of ``lead`` to take the case over: the featured one if the script says so."""
        if script.featured == "receiver" and roster.featured and roster.featured != lead:
            return roster.featured
        return self.rng.choice([p for p in roster.practitioners if p != lead])

    def _handover(
        self, actions: list[Action], marks: dict[str, datetime], roster: Roster, script: Script, leads: _Leads, span: float
    ) -> datetime:
        """A change of lead professional (after any change of level has been planned)."""
        rng = self.rng
        if script.handover == "none":
            return marks["assessment"]
        t = marks["handover"] = self.after(marks["assessment"], script, "handover", 2, span * 0.8)
        lead = leads.at(t)
        colleague = self._receiver(roster, script, lead)
        reason = rng.choice(texts.HANDOVER_REASONS)
        if script.handover == "reallocated" or lead is None:
            actions.append(Action(t, ASSIGN, rng.choice(roster.managers), user=colleague, text=reason))
            leads.change(t, colleague)
            return t
        actions.append(Action(t, ASSIGN, lead, user=colleague, text=reason))
        answered = self.after(t, script, "answer", 0.3, 6)
        accepted = script.handover == "accepted"
        actions.append(Action(answered, ANSWER, colleague, code=ACCEPTED if accepted else DECLINED))
        if accepted:
            leads.change(answered, colleague)
        return answered

    def _journey(
        self, actions: list[Action], marks: dict[str, datetime], roster: Roster, script: Script, leads: _Leads, level: int, span: float
    ) -> tuple[int, datetime]:
        """Requests for a change of level, by the lead, and their decisions; the level and time they end at."""
        rng, statutory, kind = self.rng, self.statutory, script.journey
        higher = [n for n in self.entry if n > level]
        lower = [n for n in self.entry if n < level]
        t = marks["assessment"]
        lead = leads.at(t)
        if kind == "none" or (kind == "down" and not lower) or lead is None:
            return level, t
        t = marks["journey"] = self.after(t, script, "journey", 3, span * 0.6)
        manager = rng.choice(roster.managers)
        if kind in ("up", "up_rejected", "down"):
            to = (higher[0] if higher else statutory) if kind != "down" else lower[-1]
            reasons: Sequence[str] = texts.STEP_UP_REASONS if to != statutory else texts.STATUTORY_STEP_UP_REASONS
            if kind == "down":
                reasons = texts.STEP_DOWN_REASONS
            actions.append(Action(t, REQUEST, lead, level=to, text=rng.choice(reasons)))
            t = self.after(t, script, "decide", 0.5, 8)
            if kind == "up_rejected":
                actions.append(Action(t, DECIDE, manager, code=rules.REJECTED, text=rng.choice(texts.REJECTION_NOTES)))
                return level, t
            actions.append(Action(t, DECIDE, manager, code=rules.APPROVED, text=rng.choice(texts.APPROVAL_NOTES)))
            return to, t
        if kind.startswith("immediate"):
            actions.append(Action(t, REQUEST, lead, level=statutory, text=rng.choice(texts.IMMEDIATE_RISK_REASONS), immediate_risk=True))
            t = self.after(t, script, "review", 0.05, 3)
            actions.append(Action(t, DECIDE, manager, code=rules.APPROVED, text=rng.choice(texts.REVIEW_NOTES)))
        else:
            actions.append(Action(t, REQUEST, lead, level=statutory, text=rng.choice(texts.STATUTORY_STEP_UP_REASONS)))
            t = self.after(t, script, "decide", 1, 7)
            actions.append(Action(t, DECIDE, manager, code=rules.APPROVED, text=rng.choice(texts.APPROVAL_NOTES)))
        if not kind.endswith("_down") and kind != "down_rejected":
            return statutory, t
        receiver = lead if script.receiver_same else self._receiver(roster, script, lead)
        t = marks["journey2"] = self.after(t, script, "stay", 20, 150)
        to = rng.choice(self.entry)
        notes = rng.choice(texts.HANDOVER_NOTES)
        why = rng.choice(texts.STATUTORY_STEP_DOWN_REASONS)
        actions.append(Action(t, REQUEST, lead, user=receiver, level=to, text=why, notes=notes, family_agreement=True))
        t = self.after(t, script, "accept", 0.2, 4)
        actions.append(Action(t, ACCEPT_TRANSFER, receiver))
        t = self.after(t, script, "decide2", 0.5, 7)
        if kind == "down_rejected":
            actions.append(Action(t, DECIDE, manager, code=rules.REJECTED, text=rng.choice(texts.REJECTION_NOTES)))
            return statutory, t
        actions.append(Action(t, DECIDE, manager, code=rules.APPROVED, text=rng.choice(texts.APPROVAL_NOTES)))
        leads.change(t, receiver)  # the receiving lead takes over on approval
        return to, t


class _Leads:
    """Who is planned to lead the case from when."""

    def __init__(self) -> None:
        self._changes: list[tuple[datetime, str]] = []

    def change(self, at: datetime, user: str) -> None:
        self._changes.append((at, user))

    def at(self, when: datetime) -> str | None:
        current = [(t, user) for t, user in self._changes if t <= when]
        return max(current)[1] if current else None
