"""Every model, imported in one place so that metadata is complete (Alembic, tests)."""

from __future__ import annotations

from casework.assessments.models import Assessment
from casework.audit.models import AuditCheckpoint, AuditEvent, AuditReference
from casework.auth.models import ApiToken, Organisation, Team, TeamMembership, User, UserRole, UserSession
from casework.cases.models import Case, LeadAssignment, LevelTransition, Notification
from casework.consent.models import Consent, ShareWithoutConsent, SharingBasis, TeamMember, WithheldFromUser, WithheldPerson
from casework.dataprotection.models import Correction, DisagreementStatement, SubjectAccessExport
from casework.db import Base
from casework.families.models import Family, Person
from casework.notify.models import Outbox
from casework.plans.models import Action, Outcome, Plan, PostClosureCheck, Review, ReviewScore
from casework.reports import models as _report_indexes  # noqa: F401  (indexes on the tables above)
from casework.retention.models import LegalHold, Restriction

metadata = Base.metadata

__all__ = [
    "Action",
    "ApiToken",
    "Assessment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditReference",
    "Case",
    "Consent",
    "Correction",
    "DisagreementStatement",
    "Family",
    "LeadAssignment",
    "LegalHold",
    "LevelTransition",
    "Notification",
    "Organisation",
    "Outbox",
    "Outcome",
    "Person",
    "Plan",
    "PostClosureCheck",
    "Restriction",
    "Review",
    "ReviewScore",
    "ShareWithoutConsent",
    "SharingBasis",
    "SubjectAccessExport",
    "Team",
    "TeamMember",
    "TeamMembership",
    "User",
    "UserRole",
    "UserSession",
    "WithheldFromUser",
    "WithheldPerson",
    "metadata",
]
