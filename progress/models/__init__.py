"""What learners did: roles they follow, statuses, history, notes, evidence,
ratings (`core`), their spaced review (`reviews`), the problems they report
(`reports`), and the content files curators upload (`uploads`). Import from
`progress.models`.

Progress points at content with PROTECT: content is retired (unpublished), never
deleted, so no progress row is ever lost to a curator's change.
"""

from progress.models.core import (
    COUNTED,
    EVIDENCE_PER_ITEM,
    MAX_GOAL_YEARS,
    MAX_HOURS_PER_WEEK,
    NOTE_MAX_LENGTH,
    BulkChange,
    CalendarFeed,
    Evidence,
    ItemProgress,
    ItemQuerySet,
    ItemRelated,
    Level,
    ProgressEvent,
    RoleFollow,
    RoleFollowQuerySet,
    SelfAssessment,
    SelfAssessmentQuerySet,
    Status,
    StepTally,
    StepTallyQuerySet,
    WeeklyEmail,
    item_field,
    validate_target_date,
)
from progress.models.lrs import LearningRecordStore
from progress.models.reports import REPORT_MESSAGE_MAX_LENGTH, ItemReport
from progress.models.reviews import (
    DAILY_LIMIT_MAX,
    MAX_PAUSE_DAYS,
    RETENTION_DEFAULT,
    RETENTION_MAX,
    RETENTION_MIN,
    ReviewCard,
    ReviewLog,
    ReviewSettings,
)
from progress.models.uploads import ContentUpload

__all__ = [
    "COUNTED",
    "DAILY_LIMIT_MAX",
    "EVIDENCE_PER_ITEM",
    "MAX_GOAL_YEARS",
    "MAX_HOURS_PER_WEEK",
    "MAX_PAUSE_DAYS",
    "NOTE_MAX_LENGTH",
    "REPORT_MESSAGE_MAX_LENGTH",
    "RETENTION_DEFAULT",
    "RETENTION_MAX",
    "RETENTION_MIN",
    "BulkChange",
    "CalendarFeed",
    "ContentUpload",
    "Evidence",
    "ItemProgress",
    "ItemQuerySet",
    "ItemRelated",
    "ItemReport",
    "LearningRecordStore",
    "Level",
    "ProgressEvent",
    "ReviewCard",
    "ReviewLog",
    "ReviewSettings",
    "RoleFollow",
    "RoleFollowQuerySet",
    "SelfAssessment",
    "SelfAssessmentQuerySet",
    "Status",
    "StepTally",
    "StepTallyQuerySet",
    "WeeklyEmail",
    "item_field",
    "validate_target_date",
]
