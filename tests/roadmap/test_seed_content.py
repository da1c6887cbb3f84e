"""The Backend Engineer roadmap covers what the five seed documents say."""

import pytest

from roadmap.models import Concept, Role, RoleFact, Skill, Source

# Every technology and tool the seeds name.
NAMED_TECHNOLOGIES = [
    "Python", "Java", "Ruby", "PHP", "Go", "Rust", "Node.js", "C#",
    "Django", "Ruby on Rails", "Laravel", "Spring", "Express.js",
    "MySQL", "PostgreSQL", "MongoDB", "Redis", "Apache Cassandra", "Oracle Database",
    "Apache HTTP Server", "Nginx", "Docker", "Kubernetes", "CI/CD",
    "Git", "Mercurial", "Subversion (SVN)", "GitHub", "Swagger", "Postman",
    "REST", "GraphQL", "Amazon Web Services (AWS)", "Microsoft Azure", "LinkedIn",
    "Microservices",
]  # fmt: skip

# Seed 004's fundamentals, and the web basics of seed 002.
FUNDAMENTALS = [
    "Communication protocols", "Web server", "Database engineering", "Proxy",
    "Caching", "Messaging system", "Web framework", "Message format",
    "HTTP", "Requests", "Responses", "Headers", "Sessions",
    "Authentication", "Authorization", "Input validation", "Rate limiting",
    "Unit tests", "Integration tests", "API tests",
]  # fmt: skip

SOFT_SKILLS = [
    "Communication and interpersonal skills",
    "Collaboration",
    "Problem solving and logical thinking",
    "Continuous learning and adaptability",
    "Patience and persistence in debugging",
    "Attention to data integrity and maintainability",
]


@pytest.fixture
def role(seed_roadmap):
    return Role.objects.get(slug="backend-engineer")


def test_every_named_technology_is_a_concept(role):
    names = set(Concept.objects.values_list("name", flat=True))
    assert [name for name in NAMED_TECHNOLOGIES if name not in names] == []


def test_every_fundamental_concept_is_covered(role):
    names = set(Concept.objects.values_list("name", flat=True))
    assert [name for name in FUNDAMENTALS if name not in names] == []


def test_soft_skills_are_skills_of_the_role(role):
    soft = set(role.skills.filter(kind=Skill.Kind.SOFT).values_list("name", flat=True))
    assert set(SOFT_SKILLS) <= soft


def test_the_seven_steps_of_the_profile_are_the_first_seven_stages(role):
    stages = list(role.stages.order_by("position").values_list("title", flat=True))
    assert stages[:7] == [
        "Learn a backend language and its ecosystem",
        "Understand how the web works",
        "Learn SQL and design databases",
        "Build small API-based projects and connect them to frontends",
        "Study authentication, authorization and security pitfalls",
        "Deploy a backend project to the cloud",
        "Work on increasingly complex projects or contribute to open source",
    ]
    assert "hired" in stages[7].lower()


def test_getting_hired_covers_portfolio_open_source_and_interviews(role):
    concepts = set(Concept.objects.values_list("name", flat=True))
    for name in [
        "Computer science degree",
        "Industry certifications",
        "Portfolio",
        "Open-source contribution",
        "Networking and industry events",
        "Interview preparation",
    ]:
        assert name in concepts


def test_the_role_carries_every_kind_of_fact(role):
    kinds = set(role.facts.values_list("kind", flat=True))
    assert kinds == set(RoleFact.Kind.values)
    certifications = " ".join(
        role.facts.filter(kind="certifications").values_list("text", flat=True)
    )
    assert "AWS Certified Developer" in certifications
    assert "Azure Developer Associate" in certifications


def test_the_salary_has_its_source_and_date(role):
    assert (role.salary_amount, role.salary_currency, role.salary_period) == (
        119704,
        "USD",
        "year",
    )
    assert role.salary_cited == "ZipRecruiter"
    assert role.salary_as_of.isoformat() == "2023-06-01"


def test_all_five_seeds_are_cited(role):
    assert Source.objects.count() == 5
    for source in Source.objects.all():
        cited = (
            source.steps.exists()
            or source.role_facts.exists()
            or source.skills.exists()
            or source.concepts.exists()
        )
        assert cited, source.file_name


def test_resources_are_documentation_roots_over_https(role):
    from roadmap.models import Resource

    for resource in Resource.objects.all():
        assert resource.url.startswith("https://"), resource.url
        path = resource.url.split("/", 3)[3] if resource.url.count("/") > 2 else ""
        assert path.count("/") <= 3, resource.url
