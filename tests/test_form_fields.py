"""Every form field renders the same way (templates/django/forms/field.html): a
label for the widget, then the widget, the help text and the errors, both tied to
the widget by aria-describedby, and aria-invalid when there are errors."""

import re

import pytest

from accounts.forms import ProfileForm
from mentoring.forms import CommentForm, EndorsementForm
from progress.forms import EvidenceForm, NoteForm
from roadmap.views import SearchForm

# (form, invalid data, the field with help text and an error)
INVALID = [
    (NoteForm, {"note": "x" * 6000}, "note"),
    (CommentForm, {"body": ""}, "body"),
    (EndorsementForm, {"level": "99"}, "level"),
    (ProfileForm, {"display_name": "x" * 81, "timezone": "Mars/Olympus"}, "timezone"),
]


def widget_tag(html: str, name: str) -> str:
    return re.search(rf'<(?:input|textarea|select)[^>]* name="{name}"[^>]*>', html)[0]


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "data", "name"), INVALID)
def test_help_and_errors_are_tied_to_the_widget(form_class, data, name):
    form = form_class(data)
    html = str(form[name].as_field_group())

    tag = widget_tag(html, name)
    assert f'<label for="id_{name}">' in html
    assert 'aria-invalid="true"' in tag
    assert f'aria-describedby="id_{name}_helptext id_{name}_error"' in tag
    assert f'<div class="helptext" id="id_{name}_helptext">' in html
    assert f'<ul class="errorlist" id="id_{name}_error">' in html
    order = [html.index(tag), html.index('<div class="helptext"'), html.index("<ul")]
    assert order == sorted(order)


def test_a_field_without_help_points_only_at_its_errors():
    html = str(EvidenceForm({"url": "ftp://example.com"})["url"].as_field_group())

    tag = widget_tag(html, "url")
    assert 'type="url"' in tag
    assert 'aria-describedby="id_url_error"' in tag
    assert "helptext" not in html


def test_a_valid_field_is_not_marked_invalid():
    html = str(SearchForm({"q": "sql"})["q"].as_field_group())

    tag = widget_tag(html, "q")
    assert 'type="search"' in tag
    assert 'maxlength="200"' in tag
    assert "aria-invalid" not in tag
    assert "errorlist" not in html


def test_a_checkbox_comes_before_its_label():
    html = str(NoteForm({"shared": "on"})["shared"].as_field_group())

    assert '<div class="field checkbox-field">' in html
    assert html.index('name="shared"') < html.index('<label for="id_shared">')
