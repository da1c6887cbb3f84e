"""factory-boy factories for people and content."""

import base64
import secrets

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model

from roadmap.models import (
    Concept,
    LearningStep,
    Resource,
    Role,
    RoleSkill,
    Skill,
    Source,
    Stage,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self,
                email=self.email,
                defaults={"verified": True, "primary": True},
            )


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    slug = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source document {n}")
    file_name = factory.Sequence(lambda n: f"{n:03d}_seed.txt")
    kind = Source.Kind.ARTICLE


class _WithSources(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @factory.post_generation
    def sources(self, create, extracted, **kwargs):
        if create:
            self.sources.set(extracted or [SourceFactory()])


class SkillFactory(_WithSources):
    class Meta:
        model = Skill

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.Sequence(lambda n: f"Skill {n}")
    summary = "What this skill is about."


class ConceptFactory(_WithSources):
    class Meta:
        model = Concept

    skill = factory.SubFactory(SkillFactory)
    slug = factory.Sequence(lambda n: f"concept-{n}")
    name = factory.Sequence(lambda n: f"Concept {n}")


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    slug = factory.Sequence(lambda n: f"resource-{n}")
    title = factory.Sequence(lambda n: f"Resource {n}")
    url = factory.Sequence(lambda n: f"https://docs.example.com/{n}/")
    kind = Resource.Kind.OFFICIAL_DOCS


class RoleFactory(_WithSources):
    class Meta:
        model = Role

    slug = factory.Sequence(lambda n: f"role-{n}")
    title = factory.Sequence(lambda n: f"Role {n}")
    tagline = "Does useful things."
    summary = "A role worth growing into."


class RoleSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleSkill

    role = factory.SubFactory(RoleFactory)
    skill = factory.SubFactory(SkillFactory)
    importance = RoleSkill.Importance.CORE


class StageFactory(_WithSources):
    class Meta:
        model = Stage

    role = factory.SubFactory(RoleFactory)
    slug = factory.Sequence(lambda n: f"stage-{n}")
    title = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)


class StepFactory(_WithSources):
    class Meta:
        model = LearningStep

    stage = factory.SubFactory(StageFactory)
    slug = factory.Sequence(lambda n: f"step-{n}")
    title = factory.Sequence(lambda n: f"Step {n}")
    summary = "Do the thing."
    position = factory.Sequence(lambda n: n)


def enable_two_factor(user) -> str:
    """Turn on an authenticator app for the user; returns its secret."""
    secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.TOTP,
        data={"secret": get_mfa_adapter().encrypt(secret)},
    )
    return secret
