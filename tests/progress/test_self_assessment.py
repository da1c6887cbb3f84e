"""Self-assessed skill levels: a named scale, an append-only history."""

import pytest
from django.urls import reverse

from progress.models import SelfAssessment


def assess(client, level, slug="shared-skill", **kwargs):
    return client.post(
        reverse("progress_assess", args=[slug]), {"level": level}, **kwargs
    )


@pytest.mark.django_db
class TestSelfAssessment:
    def test_a_learner_rates_a_skill_and_the_history_is_kept(
        self, client, learner, small_role
    ):
        client.force_login(learner)
        assert assess(client, "2").status_code == 302
        assess(client, "4")
        levels = list(
            SelfAssessment.objects.filter(learner=learner).values_list(
                "level", flat=True
            )
        )
        assert levels == [4, 2]  # newest first, nothing overwritten
        body = client.get(
            reverse("skill_detail", args=["shared-skill"])
        ).content.decode()
        ratings = body[body.index("Your ratings") :]
        assert ratings.index("Proficient") < ratings.index("Beginner")
        assert '<option value="4" selected>' in body

    def test_the_same_level_twice_is_one_entry(self, client, learner, small_role):
        client.force_login(learner)
        assess(client, "3")
        assess(client, "3")
        assert SelfAssessment.objects.count() == 1

    @pytest.mark.parametrize("bad", ["0", "6", "expert", "", "3; DROP TABLE"])
    def test_a_level_off_the_scale_is_refused_with_a_reason(
        self, client, learner, small_role, bad
    ):
        client.force_login(learner)
        response = assess(client, bad)
        assert response.status_code == 400
        body = response.content.decode()
        # The skill page again, the error beside the field it belongs to.
        assert 'id="skill-progress"' in body
        assert 'aria-invalid="true"' in body
        assert 'aria-describedby="id_level_helptext id_level_error"' in body
        error = body[body.index('id="id_level_error"') :]
        assert error.index(
            "Choose a level: Aware, Beginner, Competent, Proficient, Expert."
        ) < error.index("</ul>")
        assert not SelfAssessment.objects.exists()

    def test_the_rating_form_is_the_one_the_page_renders(
        self, client, learner, small_role
    ):
        client.force_login(learner)
        page = client.get(reverse("skill_detail", args=["shared-skill"]))
        body = page.content.decode()
        form = body[body.index('class="assess-form"') :]
        form = form[: form.index("</form>")]
        assert 'name="level"' in form
        assert 'aria-describedby="id_level_helptext"' in form
        assert 'id="id_level_helptext"' in form
        response = assess(client, "5", HTTP_HX_REQUEST="true")
        assert response.status_code == 302
        assert SelfAssessment.objects.get().level == 5

    def test_an_unknown_or_retired_skill_is_a_404(self, client, learner, small_role):
        client.force_login(learner)
        assert assess(client, "3", slug="nope").status_code == 404
        skill = small_role.skills.get()
        skill.is_published = False
        skill.save()
        assert assess(client, "3").status_code == 404

    def test_ratings_are_private(self, client, learner, other_learner, small_role):
        client.force_login(learner)
        assess(client, "5")
        client.force_login(other_learner)
        body = client.get(
            reverse("skill_detail", args=["shared-skill"])
        ).content.decode()
        assert "Your ratings" not in body

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, small_role):
        response = assess(client, "3")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
