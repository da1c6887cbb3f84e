"""The content of Waymark: roles, their learning paths, skills and where they came from.

Nothing here knows about learners. Content is never deleted by the loader: an item
that disappears from the content files is retired (unpublished), so progress rows
that point at it survive.

`base` holds what all content shares (the published and draft rule, the cited
and effort fields), `sources` the documents and resources, `roles` the roles
with their skills, concepts, stages and steps, and `choices` the choice groups.
Import from `roadmap.models`.
"""

from roadmap.models.base import (
    CONCEPT_HOUR_COLUMNS,
    CONCEPT_HOURS,
    EFFORT_MAX_HOURS,
    EFFORT_REASON_MAX_LENGTH,
    STEP_HOURS,
    Cited,
    Content,
    Measured,
    PublishedQuerySet,
    Recall,
    Recalled,
    citations_of,
    sees_drafts,
)
from roadmap.models.choices import (
    ChoiceGroup,
    choice_entries,
    with_choice_groups,
)
from roadmap.models.revisions import Revision
from roadmap.models.roles import (
    Concept,
    ConceptQuerySet,
    LearningStep,
    LearningStepQuerySet,
    Role,
    RoleFact,
    RoleQuerySet,
    RoleSkill,
    Skill,
    SkillQuerySet,
    Stage,
    StageQuerySet,
)
from roadmap.models.sources import (
    Resource,
    Source,
)

__all__ = [
    "CONCEPT_HOURS",
    "CONCEPT_HOUR_COLUMNS",
    "EFFORT_MAX_HOURS",
    "EFFORT_REASON_MAX_LENGTH",
    "STEP_HOURS",
    "ChoiceGroup",
    "Cited",
    "Concept",
    "ConceptQuerySet",
    "Content",
    "LearningStep",
    "LearningStepQuerySet",
    "Measured",
    "PublishedQuerySet",
    "Recall",
    "Recalled",
    "Resource",
    "Revision",
    "Role",
    "RoleFact",
    "RoleQuerySet",
    "RoleSkill",
    "Skill",
    "SkillQuerySet",
    "Source",
    "Stage",
    "StageQuerySet",
    "choice_entries",
    "citations_of",
    "sees_drafts",
    "with_choice_groups",
]
