"""A curator uploads a content file in the admin: the loader's checks, a preview
of what it would change and for how many learners, then confirm or cancel; and
any role downloads as a content file that loads back unchanged."""

import copy
import io
import tempfile
import zipfile
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from progress import content_upload
from progress.models import RoleFollow
from roadmap import content
from roadmap.content import loading
from roadmap.models import Revision, Role
from tests.factories import UserFactory, enable_two_factor

FIXTURES = Path(settings.ROADMAP_FIXTURES_DIR)
SEED_FILE = FIXTURES / "backend-engineer.yaml"
UPLOAD = reverse("admin:progress_contentupload_add")
UPLOADS = reverse("admin:progress_contentupload_changelist")


def seed_data() -> dict:
    return yaml.safe_load(SEED_FILE.read_text())


NEW_TAGLINE = "Builds the server side: APIs, logic and data."


def renamed(data: dict) -> dict:
    """The seed with the role's tagline changed (one change; a new title would
    also change how its stages and steps are named)."""
    data = copy.deepcopy(data)
    data["roles"][0]["tagline"] = NEW_TAGLINE
    return data


def yaml_file(data: dict, name: str = "backend-engineer.yaml") -> SimpleUploadedFile:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return SimpleUploadedFile(name, text.encode(), content_type="application/x-yaml")


def source_files() -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/plain")
        for path in sorted((FIXTURES / "sources").iterdir())
    ]


def archive(entries: dict[str, bytes], name: str = "role.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as written:
        for entry, body in entries.items():
            written.writestr(entry, body)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def seed_archive(data: dict) -> SimpleUploadedFile:
    entries = {"backend-engineer.yaml": yaml.safe_dump(data, sort_keys=False).encode()}
    for path in sorted((FIXTURES / "sources").iterdir()):
        entries[f"sources/{path.name}"] = path.read_bytes()
    return archive(entries)


def role_tagline() -> str:
    return Role.objects.get(slug="backend-engineer").tagline


OLD_TAGLINE = "Designs APIs, business logic, and database layers for scalable systems."


def token_of(response) -> str:
    return response.context["preview"].token


@pytest.fixture
def curator_client(client, group_curator):
    """A curator as `createcurator` makes one, not a superuser."""
    client.force_login(group_curator)
    return client


@pytest.fixture
def preview(curator_client, seed_roadmap, learner):
    """The role renamed in an upload, previewed; a learner follows the role."""
    RoleFollow.objects.create(learner=learner, role=Role.objects.get())
    response = curator_client.post(
        UPLOAD,
        {
            "content_file": yaml_file(renamed(seed_data())),
            "sources": source_files(),
            "note": "A clearer title",
        },
    )
    assert response.status_code == 200
    return response


@pytest.mark.django_db
class TestPreview:
    def test_the_form_says_what_is_left_alone(self, curator_client):
        response = curator_client.get(UPLOAD)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'name="content_file"' in body and 'name="sources"' in body
        assert 'enctype="multipart/form-data"' in body
        assert "Items missing from the file are left alone" in body

    def test_a_valid_upload_shows_the_diff_and_learners_and_writes_nothing(
        self, preview
    ):
        body = preview.content.decode()
        assert (
            "role &#x27;backend-engineer&#x27; (Backend Engineer): changed; tagline:"
            in body
        )
        assert "[1 learner]" in body
        assert 'id="upload-counts"' in body
        assert 'name="token"' in body and 'value="confirm"' in body
        assert role_tagline() == OLD_TAGLINE
        assert preview.context["preview"].changed
        assert len(preview.context["preview"].changes) == 1
        assert not Revision.objects.filter(curator__isnull=False).exists()

    def test_an_upload_of_the_same_content_changes_nothing(
        self, curator_client, seed_roadmap
    ):
        response = curator_client.post(
            UPLOAD, {"content_file": seed_archive(seed_data())}
        )
        assert response.context["preview"].changes == []
        assert "Nothing would change" in response.content.decode()


@pytest.mark.django_db
class TestConfirmAndCancel:
    def test_confirm_loads_and_records_a_revision_by_the_curator(
        self, curator_client, preview, group_curator
    ):
        revisions_before = Revision.objects.count()
        response = curator_client.post(
            UPLOAD, {"token": token_of(preview), "action": "confirm"}
        )
        revision = Revision.objects.get(curator=group_curator)
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "admin:roadmap_revision_change", args=[revision.pk]
        )
        assert Revision.objects.count() == revisions_before + 1
        assert role_tagline() == NEW_TAGLINE
        assert revision.origin == Revision.Origin.ADMIN
        assert revision.files == "backend-engineer.yaml" and revision.digest
        assert revision.note == "A clearer title"
        assert [c["action"] for c in revision.changes] == ["changed"]
        followed = curator_client.get(response["Location"])
        assert "Loaded as revision" in followed.content.decode()
        listed = curator_client.get(UPLOADS).content.decode()
        assert f"Revision {revision.pk}" in listed

    def test_a_token_confirms_once(self, curator_client, preview):
        token = token_of(preview)
        curator_client.post(UPLOAD, {"token": token, "action": "confirm"})
        response = curator_client.post(
            UPLOAD, {"token": token, "action": "confirm"}, follow=True
        )
        assert "no longer waiting" in response.content.decode()
        assert Revision.objects.filter(curator__isnull=False).count() == 1

    def test_cancel_writes_nothing_and_forgets_the_upload(
        self, curator_client, preview
    ):
        token = token_of(preview)
        response = curator_client.post(
            UPLOAD, {"token": token, "action": "cancel"}, follow=True
        )
        assert "nothing was written" in response.content.decode()
        curator_client.post(UPLOAD, {"token": token, "action": "confirm"})
        assert role_tagline() == OLD_TAGLINE
        assert not Revision.objects.filter(curator__isnull=False).exists()

    def test_another_curators_token_loads_nothing(self, client, preview):
        other = UserFactory(username="other-curator", is_staff=True)
        other.groups.add(*preview.wsgi_request.user.groups.all())
        enable_two_factor(other)
        client.force_login(other)
        client.post(UPLOAD, {"token": token_of(preview), "action": "confirm"})
        assert role_tagline() == OLD_TAGLINE

    def test_content_changed_since_the_preview_shows_it_again(
        self, curator_client, preview
    ):
        Role.objects.update(tagline="Changed meanwhile")
        response = curator_client.post(
            UPLOAD, {"token": token_of(preview), "action": "confirm"}
        )
        assert response.status_code == 200
        assert "changed since your preview" in response.content.decode()
        assert role_tagline() == "Changed meanwhile"
        assert not Revision.objects.filter(curator__isnull=False).exists()
        again = curator_client.post(
            UPLOAD, {"token": token_of(response), "action": "confirm"}
        )
        assert again.status_code == 302
        assert role_tagline() == NEW_TAGLINE

    def test_a_role_missing_from_the_file_is_not_retired(
        self, curator_client, seed_roadmap, small_role
    ):
        response = curator_client.post(
            UPLOAD,
            {
                "content_file": yaml_file(renamed(seed_data())),
                "sources": source_files(),
            },
        )
        curator_client.post(UPLOAD, {"token": token_of(response), "action": "confirm"})
        small_role.refresh_from_db()
        assert small_role.is_published
        assert role_tagline() == NEW_TAGLINE


@pytest.mark.django_db
class TestRefused:
    def refused(self, client, data) -> str:
        response = client.post(UPLOAD, data)
        assert response.status_code == 200
        assert "preview" not in response.context
        assert not Revision.objects.filter(curator__isnull=False).exists()
        return response.content.decode()

    def test_an_invalid_file_shows_the_loaders_problems(
        self, curator_client, seed_roadmap
    ):
        data = seed_data()
        del data["roles"][0]["title"]
        step = data["roles"][0]["stages"][0]["steps"][0]
        step["prerequisites"] = ["no-such-step"]
        body = self.refused(
            curator_client,
            {"content_file": yaml_file(data), "sources": source_files()},
        )
        assert "backend-engineer.yaml: roles[backend-engineer].title" in body
        assert "Nothing was written." in body
        assert tempfile.gettempdir() not in body
        assert role_tagline() == OLD_TAGLINE

    def test_a_missing_source_text_names_it(self, curator_client, seed_roadmap):
        body = self.refused(curator_client, {"content_file": yaml_file(seed_data())})
        assert "backend-engineer.yaml: " in body
        assert "is not a file beside the content file" in body

    def test_a_file_of_another_type_is_refused(self, curator_client, db):
        upload = SimpleUploadedFile("roles.json", b"{}", content_type="text/json")
        body = self.refused(curator_client, {"content_file": upload})
        assert "upload a .yaml or .yml content file" in body

    def test_a_source_of_another_type_is_refused(self, curator_client, db):
        script = SimpleUploadedFile("run.sh", b"echo", content_type="text/plain")
        body = self.refused(
            curator_client,
            {"content_file": yaml_file(seed_data()), "sources": [script]},
        )
        assert "source texts are .txt or .md files" in body

    def test_an_oversized_file_is_refused(self, curator_client, db, monkeypatch):
        monkeypatch.setattr(content_upload, "YAML_MAX_BYTES", 1000)
        body = self.refused(curator_client, {"content_file": yaml_file(seed_data())})
        assert "(max 1,000)" in body

    def test_no_file_is_refused(self, curator_client, db):
        body = self.refused(curator_client, {"note": "nothing"})
        assert "This field is required." in body

    @pytest.mark.parametrize(
        "entry",
        ["../evil.yaml", "sources/../../evil.txt", "/etc/evil.yaml", "a/b.yaml"],
    )
    def test_a_zip_with_a_path_trick_is_refused(self, curator_client, db, entry):
        upload = archive({"backend-engineer.yaml": b"format: 1\n", entry: b"x"})
        body = self.refused(curator_client, {"content_file": upload})
        assert "it may hold one content file (.yaml)" in body

    def test_a_zip_that_is_not_one_is_refused(self, curator_client, db):
        upload = SimpleUploadedFile("role.zip", b"not a zip")
        body = self.refused(curator_client, {"content_file": upload})
        assert "The .zip cannot be read" in body


@pytest.mark.django_db
class TestAccess:
    def test_anonymous_and_learners_are_sent_to_sign_in(self, client, learner):
        assert client.get(UPLOAD).status_code == 302
        client.force_login(learner)
        response = client.post(UPLOAD, {"content_file": yaml_file(seed_data())})
        assert response.status_code == 302
        assert not Revision.objects.exists()

    def test_staff_without_the_permission_get_403(self, client, seed_roadmap):
        staff = UserFactory(username="staff", is_staff=True)
        enable_two_factor(staff)
        client.force_login(staff)
        role = Role.objects.get()
        assert client.get(UPLOAD).status_code == 403
        response = client.post(UPLOAD, {"content_file": seed_archive(seed_data())})
        assert response.status_code == 403
        download = reverse("admin:roadmap_role_download", args=[role.pk])
        assert client.get(download).status_code == 403


@pytest.mark.django_db
class TestDownload:
    def test_the_role_page_links_to_the_download(self, curator_client, seed_roadmap):
        role = Role.objects.get()
        page = curator_client.get(reverse("admin:roadmap_role_change", args=[role.pk]))
        url = reverse("admin:roadmap_role_download", args=[role.pk])
        assert f'href="{url}"' in page.content.decode()

    def test_the_download_loads_back_unchanged(
        self, curator_client, seed_roadmap, tmp_path
    ):
        role = Role.objects.get()
        response = curator_client.get(
            reverse("admin:roadmap_role_download", args=[role.pk])
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert 'filename="backend-engineer.zip"' in response["Content-Disposition"]
        with zipfile.ZipFile(io.BytesIO(response.content)) as downloaded:
            names = downloaded.namelist()
            downloaded.extractall(tmp_path)
        assert "backend-engineer.yaml" in names
        assert any(name.startswith("sources/") for name in names)
        catalogue = content.read([tmp_path / "backend-engineer.yaml"])
        report = loading.load(catalogue, retire=False, dry_run=True)
        assert report.changes == []
        assert not report.changed

    def test_the_download_uploads_back_with_no_change(
        self, curator_client, seed_roadmap
    ):
        role = Role.objects.get()
        response = curator_client.get(
            reverse("admin:roadmap_role_download", args=[role.pk])
        )
        upload = SimpleUploadedFile("backend-engineer.zip", response.content)
        preview = curator_client.post(UPLOAD, {"content_file": upload})
        assert preview.context["preview"].changes == []

    def test_an_unknown_role_is_404(self, curator_client, db):
        url = reverse("admin:roadmap_role_download", args=[999999])
        assert curator_client.get(url).status_code == 404
