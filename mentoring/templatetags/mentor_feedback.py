"""Mentors' feedback on the learner's own pages, loaded by those pages'
templates (`{% load mentor_feedback %}`), so that `progress` imports nothing of
mentoring's:

- `{% item_feedback kind item %}`: the thread on a step, concept or skill;
- `{% skill_endorsements skill %}`: mentors' endorsements of a skill;
- `{% dashboard_feedback %}`: the latest comments and the unread count.
"""

from django import template

from mentoring import feedback

register = template.Library()


def _thread(context, kind: str, item) -> dict:
    learner = context["user"]
    return {
        **feedback.thread_context(learner, kind, item),
        "learner_id": learner.pk,
        "show_unread": True,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("mentoring/_learner_thread.html", takes_context=True)
def item_feedback(context, kind: str, item) -> dict:
    return _thread(context, kind, item)


@register.inclusion_tag("mentoring/_endorsements.html", takes_context=True)
def skill_endorsements(context, skill) -> dict:
    return {"endorsements": feedback.endorsements(context["user"], skill)}


@register.inclusion_tag("mentoring/_dashboard_feedback.html", takes_context=True)
def dashboard_feedback(context) -> dict:
    return feedback.cached_dashboard_feedback(context["user"])
