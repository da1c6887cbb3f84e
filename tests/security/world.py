"""One small world for the security matrices: an owner with private and shared
data, and one actor of each kind who tries to reach it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from api import tokens as api_tokens
from mentoring.models import Comment, Mentorship
from progress.models import Evidence, ItemProgress, RoleFollow
from tests.factories import UserFactory, enable_two_factor

# What only the owner may read (the superuser, in the admin's support views,
# reads progress rows too).
PRIVATE = [
    "PRIVATE-NOTE-7f3a",
    "owner-mail-5c1d@example.com",
    "REPORT-MSG-2e6b",
    "TOKEN-NAME-6a0c",
]
# What the owner shares with an active mentor.
SHARED = ["SHARED-NOTE-91bc", "evidence-4d2e.example", "COMMENT-b81f"]

ACTORS = [
    "anonymous",
    "owner",
    "other_learner",
    "mentor",
    "mentor_without_consent",
    "staff",
    "superuser",
]


@dataclass
class World:
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    routes: dict = field(default_factory=dict)


def build_world(small_role, steps) -> World:
    owner = UserFactory(username="owner", email=PRIVATE[1], display_name="Olive Owner")
    mentor = UserFactory(username="mentor", display_name="Maya Mentor")
    outsider_mentor = UserFactory(username="pending_mentor")
    staff = UserFactory(username="staff", is_staff=True)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    enable_two_factor(staff)
    enable_two_factor(superuser)
    other = UserFactory(username="other")
    RoleFollow.objects.create(learner=owner, role=small_role)
    ItemProgress.objects.create(
        learner=owner, step=steps[1], note=PRIVATE[0], status="learning"
    )
    shared = ItemProgress.objects.create(
        learner=owner, step=steps[0], note=SHARED[0], note_shared=True, status="done"
    )
    evidence = Evidence.objects.create(progress=shared, url=f"https://{SHARED[1]}/")
    active = Mentorship.objects.create(
        learner=owner, mentor=mentor, status="active", initiated_by="learner"
    )
    pending = Mentorship.objects.create(
        learner=owner, mentor=outsider_mentor, status="pending", initiated_by="mentor"
    )
    Comment.objects.create(learner=owner, author=mentor, step=steps[0], body=SHARED[2])
    invitation = Mentorship.objects.create(
        learner=owner,
        status="pending",
        initiated_by="learner",
        token_hash=Mentorship.hash_token("owner-invitation-token"),
    )
    # One object for every admin page to open.
    from allauth.usersessions.models import UserSession
    from django.contrib.auth.models import Group

    from progress.models import ProgressEvent, SelfAssessment
    from tests.factories import ResourceFactory

    Group.objects.create(name="editors")
    ProgressEvent.objects.create(
        learner=owner, step=steps[0], from_status="not_started", to_status="done"
    )
    SelfAssessment.objects.create(learner=owner, skill=small_role.skills.get(), level=3)
    ResourceFactory()
    UserSession.objects.create(
        user=owner, ip="192.0.2.1", session_key="owner-session", user_agent="test"
    )
    from outbox.models import Message, ScheduledRun
    from outbox.sending import deliver_message

    email = Message.objects.create(
        kind="test", subject="Hello", from_email="a@example.com", to=[owner.email]
    )
    deliver_message.enqueue(email.pk)  # a row of the task queue's admin
    ScheduledRun.objects.create(job="prune-sent-emails", period="2026-12-01")
    from progress.models import WeeklyEmail

    WeeklyEmail.objects.create(learner=owner, week="2026-11-30")
    from progress.models import BulkChange

    bulk_change = BulkChange.objects.create(
        learner=owner, role=small_role, part="stage", title="Basics", count=0, items=[]
    )
    from progress.models import ItemReport
    from roadmap.models import Revision

    ItemReport.objects.create(
        learner=owner,
        step=steps[0],
        kind="wrong",
        message=PRIVATE[2],
        fixed_by=Revision.objects.create(origin=Revision.Origin.LOADER),
    )
    world = World()
    world.users = {
        "anonymous": None,
        "owner": owner,
        "other_learner": other,
        "mentor": mentor,
        "mentor_without_consent": outsider_mentor,
        "staff": staff,
        "superuser": superuser,
    }
    world.ids = {
        "username": owner.username,
        "role": small_role.slug,
        "skill": small_role.skills.get().slug,
        "source": small_role.sources.first().slug,
        "step": steps[0].slug,
        "evidence": evidence.pk,
        "mentorship": active.pk,
        "pending": pending.pk,
        "invitation": invitation.pk,
        "token": "owner-invitation-token",
        "user_pk": owner.pk,
        "progress_pk": shared.pk,
        "stage": small_role.stages.first().slug,
        "bulk_change": bulk_change.pk,
        "api_token": api_tokens.create(owner, "TOKEN-NAME-6a0c", "read")[0].pk,
    }
    return world


def url_patterns():
    """Every URL pattern of the project: (route, name, pattern)."""

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif isinstance(pattern, URLPattern):
                name = pattern.name or ""
                if namespace and name:
                    name = f"{namespace}:{name}"
                yield prefix + str(pattern.pattern), name, pattern

    return list(walk(get_resolver().url_patterns))


def remember_routes(world: World, patterns) -> None:
    world.routes = {id(pattern): route for route, _name, pattern in patterns}


def user_model():
    return get_user_model()


SLUG_FOR = {
    "role_detail": "role",
    "api_v1:get_role": "role",
    "api_v1:list_revisions": "role",
    "progress_follow": "role",
    "progress_leave": "role",
    "progress_reset": "role",
    "progress_goal": "role",
    "progress_compare": "role",
    "mentee_role": "role",
    "progress_role_figures": "role",
    "progress_skill_figures": "skill",
    "skill_detail": "skill",
    "progress_assess": "skill",
    "mentee_endorse": "skill",
    "source_detail": "source",
    "api_v1:get_source": "source",
    "progress_known_stage": "stage",
    "progress_known_skill": "skill",
    "role_changes": "role",
}
PK_FOR = {
    "progress_delete_evidence": "evidence",
    "mentoring_accept": "pending",
    "mentoring_decline": "pending",
    "mentoring_end": "mentorship",
    "progress_undo_known": "bulk_change",
}


def concrete_url(name: str, pattern, world: World) -> str:
    """The pattern's URL, pointing at the owner's data wherever it takes an id."""
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from roadmap.models import Role

    if not name:
        return unnamed_url(route_of(pattern, world), world)
    converters = getattr(pattern.pattern, "converters", {})
    parameters = list(converters) or list(pattern.pattern.regex.groupindex)
    kwargs = {}
    for parameter in parameters:
        if parameter == "username":
            value = world.ids["username"]
        elif parameter == "role":  # a stage's or skill's role
            value = world.ids["role"]
        elif parameter == "kind":
            value = "step"
        elif parameter == "slug":
            value = world.ids[SLUG_FOR.get(name, "step")]
        elif parameter == "pk":
            value = world.ids[PK_FOR[name]]
        elif parameter == "token":
            value = world.ids["token"]
        elif parameter == "token_id":
            value = world.ids["api_token"]
        elif parameter == "change_id":
            value = world.ids["bulk_change"]
        elif parameter == "evidence_id":
            value = world.ids["evidence"]
        elif parameter == "part":
            value = "stage"
        elif parameter == "app_label":
            value = "progress"
        elif parameter == "content_type_id":
            value = ContentType.objects.get_for_model(Role).pk
        elif parameter in {"object_id", "id"}:
            value = admin_object_id(name, world)
        elif parameter in {"key", "uidb36"}:
            value = "0" if parameter == "uidb36" else "not-a-real-key"
        else:
            raise AssertionError(f"no value for {parameter!r} in {name}")
        kwargs[parameter] = value
    return reverse(name, kwargs=kwargs)


def route_of(pattern, world: World) -> str:
    return world.routes[id(pattern)]


def unnamed_url(route: str, world: World) -> str:
    """Unnamed admin patterns: an object's redirect page, and the catch-all."""
    if route == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    app, model = route.split("/")[1:3]
    object_id = admin_object_id(f"admin:{app}_{model}_change", world)
    return "/" + route.replace("<path:object_id>", str(object_id))


def admin_object_id(name: str, world: World):
    """An object of the admin page's model: the owner's own where it has one."""
    from django.apps import apps

    from roadmap.models import Role

    if name == "admin:view_on_site":
        return Role.objects.get(slug=world.ids["role"]).pk
    if name.endswith("_password_change"):  # the user admin's password page
        return world.ids["user_pk"]
    app_model = name.removeprefix("admin:").rsplit("_", 1)[0]
    for model in apps.get_models():
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        if label == app_model:
            owned = [
                f.name for f in model._meta.fields if f.name in {"learner", "user"}
            ]
            queryset = model._default_manager.all()
            if model is user_model():
                return world.ids["user_pk"]
            first = None
            if owned:
                first = (
                    queryset.filter(**{owned[0]: world.users["owner"]})
                    .order_by("pk")
                    .first()
                )
            first = first or queryset.order_by("pk").first()
            assert first is not None, f"no {label} for the admin pages to open"
            return first.pk
    raise AssertionError(f"no model for the admin page {name}")
