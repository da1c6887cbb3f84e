"""The content file format, field by field: the one place that says what a file holds.

Reading and validating (`reading`), loading (`loading`), exporting (`exporting`) and
the field tables of docs/content-format.md all follow these lists.
A new content field is one more `Field` in its kind, next to its model field; the
limits (`max_length`, choices, URL schemes) and defaults are read from the model.
"""

from __future__ import annotations

from dataclasses import replace

from roadmap.content.fields import (
    BOOLEAN,
    CHOICE,
    DATE,
    DOCUMENT,
    GROUPS,
    INTEGER,
    ITEMS,
    MAPPING,
    MEMBERS,
    MONTH,
    QUOTED,
    QUOTES,
    REFERENCE,
    REFERENCES,
    SLUG,
    TEXT,
    URL,
    Field,
    Kind,
)
from roadmap.models import (
    ChoiceGroup,
    Concept,
    LearningStep,
    Resource,
    Role,
    RoleFact,
    RoleSkill,
    Skill,
    Source,
    Stage,
)

# --- The kinds -------------------------------------------------------------------

SLUG_FIELD = Field(
    "slug",
    SLUG,
    required=True,
    doc="The item's identity: progress, links and references follow it. Rename "
    "the title freely; keep the slug.",
)
SOURCES_FIELD = Field(
    "sources",
    REFERENCES,
    required=True,
    to="sources",
    doc="The seed documents this item came from.",
)
PUBLISHED = Field(
    "published",
    BOOLEAN,
    "is_published",
    doc="`false` marks a draft: only staff see it.",
)
SUMMARY = Field("summary", TEXT, doc="Plain text; blank lines separate paragraphs.")
QUOTES_FIELD = Field(
    "quotes",
    QUOTES,
    cites="sources",
    doc="For each source in `sources` (by slug), the passage the item rests on, "
    "word for word: a sentence or a list line of the source's text; or a list of "
    "such passages where the item rests on several of one source. The loader "
    "refuses a quote that does not occur in it (only whitespace and typographic "
    "quotes may differ).",
)
EDITORIAL = Field(
    "editorial",
    TEXT,
    doc="Waymark's own note: what it adds beyond the sources (a definition, "
    "advice). Shown apart from the sourced text and labelled as Waymark's.",
)
RECALL = Field(
    "recall",
    TEXT,
    "recall_prompt",
    doc="A question the learner answers from memory when the item is up for "
    "review; its answer is the passage the item quotes from the source named in "
    "`recall_answer`, shown with Waymark's note.",
)
RECALL_ANSWER = Field(
    "recall_answer",
    QUOTED,
    cites="quotes",
    requires="recall",
    doc="The source (by slug) whose quoted passage answers `recall`: one of the "
    "item's `quotes`.",
)
EFFORT_REASON = Field(
    "effort_reason",
    TEXT,
    requires="effort",
    doc='One line on what the estimate counts ("the official tutorial, then a '
    'small app of your own"), shown beside it.',
)

SOURCES = Kind(
    "sources",
    "source",
    Source,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="The document's title."),
        Field(
            "file",
            DOCUMENT,
            "file_name",
            required=True,
            text="text",
            doc="The document's text file, in the `sources/` folder beside the "
            "content file (UTF-8; a leading `---` front-matter block is left out).",
        ),
        Field("kind", CHOICE, required=True, doc="What sort of document it is."),
        Field(
            "date",
            DATE,
            "published_on",
            doc="The date the document gives (a front matter's `date:`), shown as "
            '"dated": not every document says it is a publication date.',
        ),
        Field("summary", TEXT, doc="What the document covers."),
        PUBLISHED,
    ),
    doc="The seed documents that content was taken from.",
    catalogued=True,
    order="file_name",
)

RESOURCES = Kind(
    "resources",
    "resource",
    Resource,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="The link's text."),
        Field("url", URL, required=True, doc="Only links known to exist."),
        Field("kind", CHOICE, required=True, doc="What sort of resource it is."),
        Field(
            "free",
            BOOLEAN,
            "is_free",
            doc="`true` only where the resource is free of charge; pages say "
            "nothing otherwise.",
        ),
        replace(
            SOURCES_FIELD,
            required=False,
            doc="The seed documents that named what the resource covers. None for "
            "a resource Waymark adds of its own: pages label it so.",
        ),
        QUOTES_FIELD,
        EDITORIAL,
        PUBLISHED,
    ),
    doc="Curated links that help with a learning step.",
    catalogued=True,
)

CONCEPTS = Kind(
    "concepts",
    "concept",
    Concept,
    (
        SLUG_FIELD,
        Field("name", TEXT, required=True, doc="The concept's name."),
        Field("kind", CHOICE, explicit=True, doc="What sort of concept it is."),
        Field("summary", TEXT, doc="One or two sentences."),
        Field(
            "effort",
            INTEGER,
            "effort_hours",
            doc="Waymark's estimate in hours, shown as \"Waymark's estimate: about "
            'N h (reason)" and used in plans. Omitted: the page says "no estimate '
            "yet\" and plans count the kind's default (idea 1, technology 3, tool 2, "
            "practice 2) as a guess.",
        ),
        EFFORT_REASON,
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
        RECALL,
        RECALL_ANSWER,
        PUBLISHED,
    ),
    doc="Things to understand or technologies to know, in order within one skill.",
    parent="skill",
    catalogued=True,
)


def _choice_kind(name: str, parent: str, members: str) -> Kind:
    """A skill's or a stage's choice groups: "any N of these" among its items."""
    noun = BY_MEMBER_NOUN[members]
    return Kind(
        name,
        "choice group",
        ChoiceGroup,
        (
            Field(
                "slug",
                SLUG,
                required=True,
                doc=f"The group's identity within its {parent}.",
            ),
            Field(
                "title",
                TEXT,
                required=True,
                doc='What is chosen, in a few words ("Backend language").',
            ),
            Field(
                "pick",
                INTEGER,
                required=True,
                at_most="members",
                doc="How many of the members meet the group: a learner who has "
                "done that many has met it, and the rest are optional.",
            ),
            Field(
                "members",
                MEMBERS,
                members,
                required=True,
                to=members,
                within=members,
                doc=f"The {noun}s to choose among, by slug: {noun}s of this "
                f"{parent}, each in at most one of its groups.",
            ),
            EDITORIAL,
            replace(
                SOURCES_FIELD,
                required=False,
                doc="The seed documents that offer the choice.",
            ),
            replace(
                QUOTES_FIELD,
                doc="For each source in `sources`, the passage that offers the "
                'choice ("one or more backend languages"), word for word. A '
                "group gives a quote or Waymark's note (`editorial`) saying why.",
            ),
        ),
        doc=f"Alternatives among a {parent}'s {noun}s: any `pick` of the members "
        'meet the group. Pages show it as a choice ("Pick 1 of 8").',
        parent=parent,
        key=(f"{parent}_id", "slug"),
    )


BY_MEMBER_NOUN = {"concepts": "concept", "steps": "step"}

CONCEPT_CHOICES = _choice_kind("concept_choices", "skill", "concepts")


SKILLS = Kind(
    "skills",
    "skill",
    Skill,
    (
        SLUG_FIELD,
        Field("name", TEXT, required=True, doc="The skill's name."),
        Field("kind", CHOICE, explicit=True, doc="Soft skills are `soft`."),
        Field("summary", TEXT, doc="One or two sentences."),
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
        RECALL,
        RECALL_ANSWER,
        PUBLISHED,
        Field(
            "concepts",
            ITEMS,
            of=CONCEPTS,
            explicit=True,
            doc="The skill's concepts, in order; a concept belongs to one skill.",
        ),
        Field(
            "choices",
            ITEMS,
            of=CONCEPT_CHOICES,
            doc="Groups of alternatives among the skill's concepts; see Choice groups.",
        ),
    ),
    doc="Skills, shared by every role that needs them.",
    catalogued=True,
    listed_by_use=True,
)

SALARY = Kind(
    "salary",
    "salary",
    Role,
    (
        # A salary needs an amount, a currency and a period, or none of them.
        Field("amount", INTEGER, "salary_amount", required=True, doc="The figure."),
        Field(
            "currency",
            TEXT,
            "salary_currency",
            required=True,
            pattern=r"[A-Z]{3}",
            pattern_doc="a code like USD",
            doc="The currency's ISO 4217 code.",
        ),
        Field("period", CHOICE, "salary_period", required=True, doc="Per what."),
        Field("region", TEXT, "salary_region", doc="Where the figure applies."),
        Field("cited", TEXT, "salary_cited"),
        Field(
            "as_of",
            MONTH,
            "salary_as_of",
            doc="The month the figure is for, as the source gives it.",
        ),
        replace(
            SOURCES_FIELD,
            name="salary_sources",
            doc="The seed documents that give the figure.",
        ),
        replace(
            QUOTES_FIELD,
            name="salary_quotes",
            doc="For each source of the figure, the passage that gives it.",
        ),
    ),
    doc="A role's typical salary, as a source gives it.",
)

FACTS = Kind(
    "facts",
    "fact",
    RoleFact,
    (
        Field("text", TEXT, required=True, doc="One sentence."),
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
    ),
    doc="What the sources say about a role, by kind; each list is ordered.",
    parent="role",
    key=("role_id", "kind", "position"),
    group="kind",
)

ROLE_SKILLS = Kind(
    "role_skills",
    "role skill",
    RoleSkill,
    (
        Field(
            "skill",
            REFERENCE,
            required=True,
            to="skills",
            doc="The skill's slug; a role lists a skill once.",
        ),
        Field("importance", CHOICE, required=True, doc="How much the role needs it."),
        Field(
            "importance_basis",
            CHOICE,
            doc="`sources` where the seed documents rank the skill (the skill's "
            "`quotes` hold the passage, e.g. the skill listed under a source's core "
            "skills); `waymark` (the default) where they do not, and pages label the "
            "importance as Waymark's judgement.",
        ),
    ),
    doc="The skills a role needs, in order.",
    parent="role",
    key=("role_id", "skill_id"),
)

STEPS = Kind(
    "steps",
    "step",
    LearningStep,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="What to do, in a few words."),
        Field("summary", TEXT, doc="One or two paragraphs."),
        Field(
            "effort",
            INTEGER,
            "effort_hours",
            doc="Waymark's estimate in hours of the step's own work (its exercise "
            "or project; the concepts it covers carry their own), shown as "
            '"Waymark\'s estimate: about N h (reason)" and used in plans. Omitted: '
            'the page says "no estimate yet" and plans count 4 as a guess.',
        ),
        EFFORT_REASON,
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
        RECALL,
        RECALL_ANSWER,
        Field("skills", REFERENCES, to="skills", doc="The skills the step builds."),
        Field(
            "concepts",
            REFERENCES,
            to="concepts",
            doc="The concepts the step covers.",
        ),
        Field(
            "prerequisites",
            REFERENCES,
            to="steps",
            acyclic=True,
            doc="Steps to finish first: the order Waymark suggests (the sources do "
            'not order steps), labelled "Order suggested by Waymark" on the pages.',
        ),
        Field("resources", REFERENCES, to="resources", doc="Links that help."),
        PUBLISHED,
    ),
    doc="The things to do, in order within a stage. Step slugs are unique across "
    "all files.",
    parent="stage",
)

STEP_CHOICES = _choice_kind("step_choices", "stage", "steps")

STAGES = Kind(
    "stages",
    "stage",
    Stage,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="The stage's title."),
        Field("summary", TEXT, doc="One paragraph."),
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
        PUBLISHED,
        Field(
            "steps", ITEMS, of=STEPS, explicit=True, doc="The stage's steps, in order."
        ),
        Field(
            "choices",
            ITEMS,
            of=STEP_CHOICES,
            doc="Groups of alternatives among the stage's steps; see Choice groups.",
        ),
    ),
    doc="The parts of a role's learning path, in order; a stage's slug is unique "
    "within its role.",
    parent="role",
    key=("role_id", "slug"),
)

ROLES = Kind(
    "roles",
    "role",
    Role,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="The job's title."),
        Field("tagline", TEXT, doc="One line under the title."),
        SUMMARY,
        EDITORIAL,
        Field("position", INTEGER, doc="Where the role is listed, smallest first."),
        PUBLISHED,
        SOURCES_FIELD,
        QUOTES_FIELD,
        Field("salary", MAPPING, of=SALARY, doc="Optional; see Salary."),
        Field("facts", GROUPS, of=FACTS, doc="See Role facts."),
        Field(
            "skills",
            ITEMS,
            "role_skills",
            of=ROLE_SKILLS,
            explicit=True,
            doc="See Role skills.",
        ),
        Field(
            "stages",
            ITEMS,
            of=STAGES,
            explicit=True,
            doc="The learning path, in order.",
        ),
    ),
    doc="Jobs someone wants to grow into, with their learning paths.",
    catalogued=True,
)

# The lists a file may hold, in file order. Each kind refers only to kinds before
# it, so an export collects what a role uses from the last list to the first.
FILE_KINDS = (SOURCES, RESOURCES, SKILLS, ROLES)
FILE_KEYS = ("format", *(kind.name for kind in FILE_KINDS))


def _tree(kind: Kind, parent: Kind | None = None, via: Field | None = None):
    """(kind, enclosing kind, its field) for a kind and every kind nested in it."""
    yield kind, parent, via
    for f in kind.fields:
        if f.type in (ITEMS, GROUPS):
            yield from _tree(f.of, kind, f)


TREE = [entry for kind in FILE_KINDS for entry in _tree(kind)]
# Load order: every kind with rows of its own, after the kinds it nests in and the
# kinds it refers to.
LOADED = tuple(kind for kind, _, _ in TREE)
PARENTS = {kind.name: (parent, via) for kind, parent, via in TREE if parent}
BY_NAME = {kind.name: kind for kind in LOADED}
CATALOGUED = tuple(kind for kind in LOADED if kind.catalogued)
CONTENT_KINDS = tuple(kind.name for kind in LOADED if kind.is_content)

# Every kind the format doc has a table for, in the doc's order.
DOCUMENTED = (
    SOURCES,
    RESOURCES,
    SKILLS,
    CONCEPTS,
    ROLES,
    SALARY,
    FACTS,
    ROLE_SKILLS,
    STAGES,
    STEPS,
    CONCEPT_CHOICES,
    STEP_CHOICES,
)
