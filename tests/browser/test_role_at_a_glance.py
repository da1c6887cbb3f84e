"""The role page at a glance, in Chromium: the map's links in path order by
keyboard and leading into folded stages, redrawn after a status change, opening
at the next step on a narrow screen, stages that fold, the "only what is left"
view, and printing the whole path with its statuses (and the dashboard)."""

import pytest
from playwright.sync_api import expect

from progress.models import ItemProgress, RoleFollow
from roadmap.models import LearningStep, Role
from tests.browser.test_progress import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def learner(seed_roadmap):
    learner = UserFactory(username="glancer")
    RoleFollow.objects.create(learner=learner, role=Role.objects.get())
    path = list(LearningStep.objects.order_by("stage__position", "position"))
    for step in path[:4]:
        ItemProgress.objects.set_status(learner, step, "done")
    return learner, path


def test_the_map_the_folds_the_views_and_printing(page, live_server, learner):
    _learner, path = learner
    sign_in(page, live_server, "glancer")
    page.goto(f"{live_server.url}/roles/backend-engineer/")

    # The map: one link per step, in path order, by keyboard.
    nodes = page.locator(".map-node")
    expect(nodes).to_have_count(len(path))
    nodes.first.focus()
    reached = [nodes.first.get_attribute("href")]
    for _ in range(4):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.getAttribute('href')"))
    assert reached == [f"#step-{step.slug}" for step in path[:5]]
    expect(nodes.first).to_have_attribute("aria-label", f"{path[0].title}, Done")

    # Marking the next step done (htmx) updates its box, the next one and the
    # stage's summary in place.
    fifth, sixth = path[4], path[5]
    node = page.locator(f'.map-node[href="#step-{fifth.slug}"]')
    expect(node).to_have_attribute("aria-label", f"{fifth.title}, Next: Not started")
    page.locator(f"#step-{fifth.slug} button[value=done]").click()
    expect(page.locator(f"#step-{fifth.slug} button[value=done]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(node).to_have_attribute("aria-label", f"{fifth.title}, Done")
    expect(node).to_have_class("map-node map-node--done")
    expect(page.locator(f'.map-node[href="#step-{sixth.slug}"]')).to_have_attribute(
        "aria-label", f"{sixth.title}, Next: Not started"
    )
    in_stage = [step for step in path if step.stage_id == fifth.stage_id]
    done = sum(1 for step in path[:5] if step.stage_id == fifth.stage_id)
    expect(page.locator(f"#stage-progress-{fifth.stage_id}")).to_have_text(
        f"{done} of {len(in_stage)} done"
    )
    expect(page.locator(".map-node")).to_have_count(len(path))

    # Stages fold: the first (all done) is closed, the one to continue in open.
    last = path[-1]
    last_stage = page.locator(f"#stage-{last.stage.slug} > details")
    expect(last_stage).not_to_have_attribute("open", "")
    expect(page.locator(f"#step-{last.slug}")).to_be_hidden()
    # A map link into a folded stage opens it at the step.
    page.locator(f'.map-node[href="#step-{last.slug}"]').click()
    expect(page.locator(f"#step-{last.slug}")).to_be_visible()
    page.locator(f"#stage-{last.stage.slug} .stage__summary").click()
    expect(page.locator(f"#step-{last.slug}")).to_be_hidden()

    # Only what is left: a link; done steps are gone, the rest stay.
    page.get_by_role("link", name="Only what is left").click()
    expect(page.get_by_role("status")).to_contain_text("only what is left")
    expect(page.locator(f"#step-{path[0].slug}")).to_be_hidden()
    expect(page.locator(f"#step-{path[5].slug}")).to_be_visible()

    # Printing: the whole path, folded stages too, statuses as text, no buttons.
    page.goto(f"{live_server.url}/roles/backend-engineer/")
    page.emulate_media(media="print")
    expect(page.locator(f"#step-{last.slug}")).to_be_visible()
    expect(page.locator(f"#step-{path[0].slug}")).to_be_visible()
    done = page.locator(
        f"#step-{path[0].slug} button[name=status][aria-pressed='true']"
    )
    expect(done).to_be_visible()
    expect(
        page.locator(
            f"#step-{path[0].slug} button[name=status][aria-pressed='false']"
        ).first
    ).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".map")).to_be_hidden()
    expect(page.get_by_role("button", name="Stop following")).to_be_hidden()
    # And printed by Chromium to PDF: the whole path runs over many A4 pages.
    printed = page.pdf(format="A4")
    assert printed.startswith(b"%PDF")
    pages = printed.count(b"/Type /Page") - printed.count(b"/Type /Pages")
    assert pages >= 10, pages


def test_on_a_narrow_screen_the_map_opens_at_the_next_step(page, live_server, learner):
    _learner, path = learner
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, live_server, "glancer")
    page.goto(f"{live_server.url}/roles/backend-engineer/")
    scroller = page.locator("#map-picture")
    widths = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] > widths[1]  # the map keeps its size and scrolls sideways

    def in_view(slug: str) -> bool:
        return page.evaluate(
            """slug => {
                const frame = document.getElementById("map-picture")
                    .getBoundingClientRect();
                const box = document.querySelector(`.map-node[href="#step-${slug}"]`)
                    .getBoundingClientRect();
                return box.left >= frame.left && box.right <= frame.right;
            }""",
            slug,
        )

    # The step to continue with (the fifth) is in view when the page opens.
    nxt = page.locator(".map-node--next")
    expect(nxt).to_have_attribute("href", f"#step-{path[4].slug}")
    assert in_view(path[4].slug)
    # Marking it done redraws the map without jumping back to its left edge.
    before = scroller.evaluate("e => e.scrollLeft")
    page.locator(f"#step-{path[4].slug} button[value=done]").click()
    expect(page.locator(f'.map-node[href="#step-{path[4].slug}"]')).to_have_attribute(
        "aria-label", f"{path[4].title}, Done"
    )
    assert page.locator("#map-picture").evaluate("e => e.scrollLeft") == before


def test_the_dashboard_prints_its_figures_without_its_controls(
    page, live_server, learner
):
    _learner, _path = learner
    sign_in(page, live_server, "glancer")
    page.goto(f"{live_server.url}/dashboard/")
    undo = page.get_by_role("button", name="Undo the latest change")
    expect(undo).to_be_visible()
    # The item to continue with (the plan's first: the language the first step
    # chose, before the next step) is kept in print.
    nxt = page.locator("#dashboard-roles .continue p a")
    name = nxt.inner_text()
    assert name
    page.emulate_media(media="print")
    expect(page.locator("#dashboard-roles")).to_be_visible()
    expect(page.locator("#dashboard-roles")).to_contain_text("Backend Engineer")
    expect(nxt).to_be_visible()
    expect(nxt).to_have_text(name)
    expect(page.locator("#dashboard-activity")).to_be_visible()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(undo).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    assert page.pdf(format="A4").startswith(b"%PDF")
