"""All models, imported here so that Alembic sees every table."""

from webapp.models.announcements import (
    Announcement,
    AnnouncementBuilding,
    AnnouncementRead,
    AnnouncementStatus,
)
from webapp.models.audit import AuditEvent
from webapp.models.auth import AuthSession, SetupToken
from webapp.models.decoration import (
    DecorationInspection,
    DecorationPermit,
    DecorationResult,
    DecorationRule,
    NoticeStatus,
    PermitStatus,
    RectificationNotice,
)
from webapp.models.duty import (
    Duty,
    DutyCheck,
    DutyEvent,
    DutyStatus,
    EventKind,
    Handover,
    HandoverStatus,
)
from webapp.models.imports import RecordImport
from webapp.models.keys import BorrowerKind, Key, KeyKind, KeyLoan
from webapp.models.messaging import (
    EstateDepartment,
    OutboxMessage,
    OutboxStatus,
    RobotKind,
    SignedLink,
)
from webapp.models.movein import MoveIn, MoveInItem, MoveInResult, MoveInStatus
from webapp.models.notifications import Notification, TicketLink
from webapp.models.patrols import (
    CheckItem,
    Checkpoint,
    CheckpointVisit,
    ItemResult,
    PatrolRequirement,
    PatrolRound,
    PatrolTemplate,
)
from webapp.models.photos import Photo, PhotoLink
from webapp.models.places import Building, Estate, PublicArea, Unit
from webapp.models.records import Amendment, NumberSequence, Signature
from webapp.models.replays import IdempotencyKey
from webapp.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)
from webapp.models.tickets import Ticket, TicketEntry, TicketStatus
from webapp.models.users import ROLES, STAFF_ROLES, EstateMembership, Role, UnitOwnership, User
from webapp.models.visits import HomeVisit, VisitArea, VisitOutcome, VisitPlan
from webapp.models.workorders import Department, WorkOrder, WorkOrderStatus

__all__ = [
    "Announcement",
    "AnnouncementBuilding",
    "AnnouncementRead",
    "AnnouncementStatus",
    "HomeVisit",
    "VisitArea",
    "VisitOutcome",
    "VisitPlan",
    "MoveIn",
    "QuestionKind",
    "Survey",
    "SurveyAnswer",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyStatus",
    "MoveInItem",
    "MoveInResult",
    "MoveInStatus",
    "RecordImport",
    "EstateDepartment",
    "OutboxMessage",
    "OutboxStatus",
    "RobotKind",
    "SignedLink",
    "BorrowerKind",
    "Key",
    "KeyKind",
    "KeyLoan",
    "Duty",
    "DutyCheck",
    "DutyEvent",
    "DutyStatus",
    "EventKind",
    "Handover",
    "HandoverStatus",
    "IdempotencyKey",
    "Notification",
    "TicketLink",
    "Ticket",
    "TicketEntry",
    "TicketStatus",
    "DecorationInspection",
    "DecorationPermit",
    "DecorationResult",
    "DecorationRule",
    "NoticeStatus",
    "PermitStatus",
    "RectificationNotice",
    "Amendment",
    "CheckItem",
    "Checkpoint",
    "CheckpointVisit",
    "Department",
    "ItemResult",
    "NumberSequence",
    "PatrolRequirement",
    "PatrolRound",
    "PatrolTemplate",
    "Photo",
    "PhotoLink",
    "Signature",
    "WorkOrder",
    "WorkOrderStatus",
    "ROLES",
    "STAFF_ROLES",
    "AuditEvent",
    "AuthSession",
    "Building",
    "Estate",
    "EstateMembership",
    "PublicArea",
    "Role",
    "SetupToken",
    "Unit",
    "UnitOwnership",
    "User",
]
