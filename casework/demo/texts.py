"""Short free texts for demo cases: why a family asked for help, why a case moved or closed.

Written for the demo, about no real person: family members are named by their role ("mum",
"the eldest"). Each reason for a request says which children it fits, so that a family with
only a toddler is not described as missing secondary school.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Who a text fits: any family, one with a child under five (or expecting), a child of
#: school age (5-15), a teenager (13-17), or one whose first language is not English.
ANY, YOUNG, SCHOOL, TEEN, LANGUAGE = "any", "young", "school", "teen", "language"


@dataclass(frozen=True, slots=True)
class Text:
    fits: str
    text: str


REQUEST_REASONS: tuple[Text, ...] = (
    Text(ANY, "Mum has asked for help with routines and money worries since dad left; the children are unsettled."),
    Text(ANY, "Family in temporary accommodation after an eviction notice; rent arrears and debts are mounting."),
    Text(ANY, "Police attended a domestic incident at the address; no injuries. Mum agrees to early help."),
    Text(ANY, "Dad is caring alone after a bereavement and is struggling with meals, bedtimes and the school run."),
    Text(ANY, "Parents' arguments are affecting the children; both parents say they want things to change."),
    Text(ANY, "Mum's drinking has increased since losing her job; the children say mornings are chaotic."),
    Text(ANY, "Neighbour dispute and antisocial behaviour warnings; the housing officer fears the tenancy will be lost."),
    Text(ANY, "Family recently arrived in the area and do not know how to register with a GP or find a school place."),
    Text(ANY, "Parent with long-term mental health needs has stopped engaging with the community team."),
    Text(YOUNG, "Health visitor concerned about mum's low mood since the birth; the baby is gaining weight slowly."),
    Text(YOUNG, "Toddler's speech is delayed and parents are finding it hard to get to appointments."),
    Text(YOUNG, "Nursery reports the youngest often arrives hungry and in the same clothes."),
    Text(YOUNG, "Young parents with no family nearby are exhausted and unsure how to manage the baby's crying."),
    Text(SCHOOL, "School reports attendance has fallen below 80% this term and the children are often late."),
    Text(SCHOOL, "Child's anxiety has stopped them going to school for three weeks; parents do not know what to do."),
    Text(SCHOOL, "Behaviour at school has deteriorated; the child is close to a fixed-term exclusion."),
    Text(SCHOOL, "Child is a young carer for a parent with a long-term illness and is missing school."),
    Text(SCHOOL, "School has noticed bruising twice this term; explanations are consistent but the family is under strain."),
    Text(TEEN, "Eldest has been going missing overnight and has new, older friends; parents are frightened."),
    Text(TEEN, "Teenager has been self-harming; CAMHS waiting list is long and parents want support meanwhile."),
    Text(TEEN, "Eldest was arrested for shoplifting; youth justice suggests early help for the whole family."),
    Text(TEEN, "Conflict between the eldest and step-dad; the teenager has asked to stay with friends."),
)

#: Why a manager allocated the case (None: no reason given), and why a practitioner took it.
ALLOCATION_REASONS: tuple[Text | None, ...] = (
    None,
    None,
    Text(ANY, "Allocated at the weekly allocation meeting."),
    Text(SCHOOL, "Worker already knows the family from school."),
    Text(LANGUAGE, "Speaks the family's first language."),
)
SELF_ALLOCATION_REASONS: tuple[Text | None, ...] = (
    None,
    Text(ANY, "Took the request at the front door."),
    Text(YOUNG, "Already visiting the family as part of the baby group."),
)
HANDOVER_REASONS = (
    "Caseload rebalancing across the team.",
    "Current worker is moving to another team.",
    "Family asked for a worker they already know from the children's centre.",
    "Current worker is going on long-term leave.",
)
#: What ``casework.cases.transitions.decide_transition`` records when the receiver becomes lead.
STEP_DOWN_LEAD_REASON = "Received on step-down"

STEP_UP_REASONS = (
    "Needs have grown: several agencies are now involved and the family needs a Team Around the Family plan.",
    "Little progress after two reviews; school and health both report rising concern.",
    "New concerns about parental mental health; a multi-agency plan is needed.",
)
STATUTORY_STEP_UP_REASONS = (
    "Concerns continue to rise despite the plan; referral to children's social care agreed at the TAF.",
    "Parent disclosed ongoing domestic abuse; social care assessment needed.",
)
IMMEDIATE_RISK_REASONS = (
    "Child disclosed being hit at home today; police and the front door informed at once.",
    "Parent found intoxicated and alone with the baby; police attended and the front door was called.",
    "Teenager found in a known exploitation address overnight; strategy discussion requested.",
)
STEP_DOWN_REASONS = (
    "Needs have reduced; one agency can carry on with the family's agreement.",
    "Plan outcomes mostly met; the family prefers lighter-touch support.",
)
STATUTORY_STEP_DOWN_REASONS = (
    "Child in need plan ended; the family agree to continue with early help.",
    "Social care assessment complete: threshold not met. Family agree to early help.",
)
HANDOVER_NOTES = (
    "Family do not want details of the previous relationship shared with school. First TAF booked for next month.",
    "Mum prefers contact by text after 10am. The eldest finds meetings hard; see them separately.",
    "Outstanding: housing application and school transport. Social worker will attend the handover meeting.",
)
APPROVAL_NOTES: tuple[str | None, ...] = (
    None,
    "Agreed.",
    "Agreed at supervision.",
    "Agreed at the child in need review.",
)
REVIEW_NOTES: tuple[str | None, ...] = (
    None,
    "Reviewed: right decision, referral made the same day.",
    "Reviewed with the practitioner; strategy discussion held.",
)
REJECTION_NOTES = (
    "Threshold not met: continue at the current level and review at the next TAF.",
    "Not yet: complete the assessment first, then bring this back to supervision.",
    "Family not ready for the change; revisit at the next child in need meeting.",
)

#: Moving-on summaries by closure reason code (the default framework's codes).
CLOSURE_SUMMARIES: dict[str, tuple[str, ...]] = {
    "single_agency_continues": (
        "Attendance has improved and the school's pastoral team will carry on weekly check-ins.",
        "Health visitor will continue to support mum; the family know how to ask for help again.",
    ),
    "stepped_up_to_social_care": (
        "Children's social care have taken the lead after the strategy discussion; early help closed.",
        "Social care assessment under way with an allocated social worker; early help closed with a handover.",
    ),
    "stepped_down_to_universal": (
        "Routines are settled and the children are in school every day; universal services are enough now.",
        "Debts are on a repayment plan and the tenancy is secure; the family will use the children's centre.",
    ),
    "consent_withdrawn": ("Mum withdrew agreement to early help; she has the team's number if things change.",),
    "family_disengaged": (
        "Family did not attend three planned visits; closure letter sent with contact details.",
        "Family no longer wish to work with us; the school has been told and will keep an eye.",
    ),
    "moved_out_of_area": ("Family moved to another council area; with their agreement, their new early help team has been told.",),
    "other": ("Support is now provided by another service; closed after discussion with the family.",),
}
GENERIC_SUMMARY = "Closed after discussion with the family, who know how to ask for help again."


def summaries_for(code: str) -> Sequence[str]:
    """Moving-on summaries for a closure reason (a council's own codes get a general one)."""
    return CLOSURE_SUMMARIES.get(code, (GENERIC_SUMMARY,))
