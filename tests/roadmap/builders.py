"""Generated roadmaps of any size, for query budgets and benchmarks."""

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


def build_roadmap(
    slug: str = "generated",
    steps: int = 500,
    per_stage: int = 10,
    choices: bool = False,
) -> Role:
    """A published role with `steps` steps, each linked to skills, concepts,
    resources, sources and the previous step, written with bulk inserts; with
    `choices`, each skill and each stage offers a choice of "pick 1" among its
    first items."""
    source = Source.objects.create(
        slug=f"{slug}-source",
        title="Generated source",
        file_name="gen.txt",
        kind="article",
    )
    role = Role.objects.create(
        slug=slug, title=f"Generated {steps}", summary="Generated."
    )
    role.sources.add(source)
    role.salary_sources.add(source)
    for kind in RoleFact.Kind.values:
        fact = RoleFact.objects.create(
            role=role, kind=kind, text=f"A fact about {kind}."
        )
        fact.sources.add(source)
    skill_count = max(2, steps // 10)
    skills = Skill.objects.bulk_create(
        Skill(slug=f"{slug}-skill-{i}", name=f"Skill {i}") for i in range(skill_count)
    )
    concepts = Concept.objects.bulk_create(
        Concept(
            skill=skills[i % skill_count],
            slug=f"{slug}-concept-{i}",
            name=f"Concept {i}",
        )
        for i in range(steps)
    )
    resources = Resource.objects.bulk_create(
        Resource(
            slug=f"{slug}-res-{i}",
            title=f"Res {i}",
            url=f"https://example.com/{i}/",
            kind="article",
        )
        for i in range(max(1, steps // 5))
    )
    RoleSkill.objects.bulk_create(
        RoleSkill(
            role=role,
            skill=skill,
            importance=("core", "recommended", "optional")[i % 3],
            position=i,
        )
        for i, skill in enumerate(skills)
    )
    stages = Stage.objects.bulk_create(
        Stage(role=role, slug=f"stage-{i}", title=f"Stage {i}", position=i)
        for i in range((steps + per_stage - 1) // per_stage)
    )
    created = LearningStep.objects.bulk_create(
        LearningStep(
            stage=stages[i // per_stage],
            slug=f"{slug}-step-{i}",
            title=f"Step {i}",
            summary="Generated step.",
            position=i % per_stage,
        )
        for i in range(steps)
    )
    through = LearningStep
    through.skills.through.objects.bulk_create(
        through.skills.through(learningstep=step, skill=skills[i % skill_count])
        for i, step in enumerate(created)
    )
    through.concepts.through.objects.bulk_create(
        through.concepts.through(learningstep=step, concept=concepts[i])
        for i, step in enumerate(created)
    )
    through.resources.through.objects.bulk_create(
        through.resources.through(
            learningstep=step, resource=resources[i % len(resources)]
        )
        for i, step in enumerate(created)
    )
    through.sources.through.objects.bulk_create(
        through.sources.through(learningstep=step, source=source) for step in created
    )
    through.prerequisites.through.objects.bulk_create(
        through.prerequisites.through(
            from_learningstep=step, to_learningstep=created[i - 1]
        )
        for i, step in enumerate(created)
        if i
    )
    Stage.sources.through.objects.bulk_create(
        Stage.sources.through(stage=stage, source=source) for stage in stages
    )
    Concept.sources.through.objects.bulk_create(
        Concept.sources.through(concept=concept, source=source) for concept in concepts
    )
    Skill.sources.through.objects.bulk_create(
        Skill.sources.through(skill=skill, source=source) for skill in skills
    )
    if choices:
        _add_choices(source, concepts, created)
    return role


def _add_choices(source, concepts, steps) -> None:
    owners = {}
    for concept in concepts:
        owners.setdefault(("skill", concept.skill_id), []).append(concept)
    for step in steps:
        owners.setdefault(("stage", step.stage_id), []).append(step)
    for (owner, owner_id), items in owners.items():
        group = ChoiceGroup.objects.create(
            **{f"{owner}_id": owner_id},
            slug="pick-one",
            title="Pick one",
            pick=1,
            quotes={source.slug: "Generated."},
        )
        group.sources.add(source)
        members = group.concepts if owner == "skill" else group.steps
        members.add(*items[:3])
