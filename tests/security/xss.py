"""The XSS corpus and the fields it goes into."""

from __future__ import annotations

from mentoring.models import Comment, Mentorship
from progress.models import Evidence, ItemProgress

# Each sets window.__xss if it ever runs. Kept under 80 characters (display names).
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "'><svg onload=window.__xss=1>",
    "<iframe srcdoc='<script>parent.__xss=1</script>'>",
    '<a href="javascript:window.__xss=1">x</a>',
    "</textarea><script>window.__xss=1</script>",
    "<details open ontoggle=window.__xss=1>",
    '<math><mtext></table><img src=x onerror="window.__xss=1">',
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "<style>@import 'http://x.invalid/'</style>",
    "\u2028<script>window.__xss=1</script>",
    "<!--<script>window.__xss=1</script>-->",
]
JAVASCRIPT_URL = "javascript:window.__xss=1"

FIELDS = [
    "display name",
    "private note",
    "shared note",
    "evidence title",
    "evidence URL",
    "mentor comment",
    "learner reply",
    "invitation message",
]


def write_everywhere(world, steps, payload: str) -> None:
    """The payload in every user-writable field of the owner's world, stored as
    is (as if an input check had been bypassed)."""
    users = world.users
    owner = users["owner"]
    owner.display_name = payload[:80]
    owner.public_profile = True
    owner.save()
    ItemProgress.objects.filter(learner=owner, step=steps[1]).update(note=payload)
    ItemProgress.objects.filter(learner=owner, step=steps[0]).update(note=payload)
    Evidence.objects.filter(progress__learner=owner).update(
        title=payload, url=JAVASCRIPT_URL
    )
    Comment.objects.filter(learner=owner, author=users["mentor"]).update(body=payload)
    Comment.objects.update_or_create(
        learner=owner,
        author=owner,
        step=steps[0],
        defaults={"body": payload},
    )
    Mentorship.objects.filter(pk=world.ids["pending"]).update(message=payload)
    users["mentor"].display_name = payload[:80]
    users["mentor"].save()


def pages_for(world, steps) -> dict[str, list[str]]:
    """Who opens which pages that show those fields."""
    owner = world.users["owner"].username
    role = world.ids["role"]
    return {
        "owner": [
            "/dashboard/",
            f"/items/step/{steps[0].slug}/",
            f"/items/step/{steps[1].slug}/",
            f"/roles/{role}/",
            "/account/",
            "/mentoring/",
            f"/u/{owner}/",
        ],
        "mentor": [
            "/mentoring/",
            f"/mentoring/mentees/{owner}/",
            f"/mentoring/mentees/{owner}/roles/{role}/",
            f"/mentoring/mentees/{owner}/items/step/{steps[0].slug}/",
        ],
        "mentor_without_consent": ["/mentoring/"],
        "superuser": [
            "/admin/progress/itemprogress/",
            f"/admin/progress/itemprogress/{world.ids['progress_pk']}/change/",
            "/admin/mentoring/mentorship/",
            f"/admin/mentoring/mentorship/{world.ids['pending']}/change/",
            "/admin/accounts/user/",
            f"/admin/accounts/user/{world.ids['user_pk']}/change/",
        ],
    }
