"""The learner's goal for a role they follow, through the API
(`/api/v1/me/roles/{role}/goal`): read with the plan it gives, and set
through the goal page's own form (`progress.forms.GoalForm`, checked against
the learner's own today) and write function (`RoleFollow.objects.set_goal`)."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest
from ninja import Path, Router, Schema
from pydantic import Field

from api import auth, problems
from api.common import TOKEN_PROBLEMS, private
from api.schemas import Input, Plan, Problem
from progress import figures
from progress import plan as plan_rules
from progress.forms import GoalForm
from progress.models import MAX_GOAL_YEARS, MAX_HOURS_PER_WEEK, RoleFollow
from progress.visibility import Audience

router = Router(tags=["your progress"])


class Goal(Schema):
    role: str
    target_date: datetime.date | None = Field(description="Finish by this day.")
    hours_per_week: float | None = Field(description="Hours a week you give it.")
    reviews: bool = Field(description="Its done items come back for review.")
    plan: Plan | None = Field(description="The plan it gives, once a goal is set.")


class GoalIn(Input):
    target_date: datetime.date | None = Field(
        None,
        description=f"Finish by this day: from your today on, within "
        f"{MAX_GOAL_YEARS} years; null for none.",
    )
    hours_per_week: float | None = Field(
        None,
        description=f"From 1 to {MAX_HOURS_PER_WEEK}, to one decimal place; null "
        "for none. Both null clears the goal.",
    )
    reviews: bool = Field(description="Bring the role's done items back for review.")


def _follow(learner, slug: str) -> RoleFollow:
    """The learner's follow of a role they may see, or 404."""
    follow = RoleFollow.objects.of(learner, Audience(learner).role(slug))
    if follow is None:
        raise Http404("You do not follow this role: follow it on its page first.")
    return follow


def _goal(learner, follow: RoleFollow) -> dict:
    """The goal as it is, with the plan the dashboard shows for it
    (`progress.figures`, the pages' own counting)."""
    goals = plan_rules.goals_of([follow])
    (progress,) = figures.role_progress(learner, [follow.role], goals=goals)
    return {
        "role": follow.role.slug,
        "target_date": follow.target_date,
        "hours_per_week": follow.hours_per_week,
        "reviews": follow.reviews,
        "plan": progress.plan_dict(),
    }


@router.get(
    "/roles/{role}/goal",
    response={200: Goal, **TOKEN_PROBLEMS, 404: Problem},
    auth=auth.READ,
    summary="Your goal for a role, and its plan",
)
@private
def get_goal(request: HttpRequest, role: Path[str]):
    """Your goal for a role you follow and the plan it gives (404 for a role
    you do not follow)."""
    return _goal(request.auth, _follow(request.auth, role))


@router.put(
    "/roles/{role}/goal",
    response={200: Goal, **TOKEN_PROBLEMS, 403: Problem, 404: Problem, 413: Problem},
    auth=auth.WRITE,
    summary="Set or clear your goal for a role",
)
@private
def set_goal(request: HttpRequest, role: Path[str], body: GoalIn):
    """Set your goal for a role you follow, as its goal page does: a day to
    finish by, hours a week, or both (both null clears it), and whether its
    done items come back for review. The same request twice changes nothing."""
    learner = request.auth
    follow = _follow(learner, role)
    form = GoalForm(
        {
            "target_date": body.target_date.isoformat() if body.target_date else "",
            "hours_per_week": ""
            if body.hours_per_week is None
            else str(body.hours_per_week),
            "reviews": body.reviews,
        },
        today=figures.local_today(learner),
    )
    if not form.is_valid():
        fields = {name: f"body.{name}" for name in form.fields}
        return problems.form_problem(form, fields)
    data = form.cleaned_data
    RoleFollow.objects.set_goal(
        follow, data["target_date"], data["hours_per_week"], data["reviews"]
    )
    return _goal(learner, follow)
