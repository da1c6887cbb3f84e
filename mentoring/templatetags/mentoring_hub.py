"""`{% mentee_cards my_mentees %}`: the hub's cards of the people you mentor,
written by `mentoring.rendering.mentee_cards` (fifty mentees are fifty cards),
each form with the page's CSRF token as `{% csrf_token %}` writes it."""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString

from mentoring import rendering

register = template.Library()


@register.simple_tag(takes_context=True)
def mentee_cards(context, mentorships) -> SafeString:
    return rendering.mentee_cards(mentorships, CsrfTokenNode().render(context))
