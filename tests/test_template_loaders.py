"""The project's HTML templates lose their indentation when compiled; what a
browser shows as written, the plain-text emails and the apps' templates keep it."""

from django.template import engines
from django.template.loader import get_template

from config.template_loaders import without_indentation


def test_indentation_goes_and_line_breaks_stay():
    source = "<ul>\n    <li>One</li>\n\t\t<li>Two</li>\n</ul>\n"
    assert without_indentation(source) == "<ul>\n<li>One</li>\n<li>Two</li>\n</ul>\n"


def test_pre_and_textarea_keep_their_spaces():
    source = (
        "<div>\n  <pre>\n    code\n      more</pre>\n"
        '  <TEXTAREA name="n">\n  kept\n</TEXTAREA >\n  <p>\n    x</p>\n</div>'
    )
    assert without_indentation(source) == (
        "<div>\n<pre>\n    code\n      more</pre>\n"
        '<TEXTAREA name="n">\n  kept\n</TEXTAREA >\n<p>\nx</p>\n</div>'
    )


def test_words_on_one_line_keep_their_spaces():
    source = '<a href="/">Python documentation</a> <span class="meta">free</span>'
    assert without_indentation(source) == source


def test_the_project_templates_are_read_without_indentation():
    source = get_template("roadmap/role_detail.html").template.source
    assert source  # the template the role page uses, as compiled
    for line in source.splitlines():
        assert not line.startswith((" ", "\t")), line
    # A template that is indented in its file.
    base = get_template("base.html").template.source
    assert '\n<a class="skip-link" href="#main-content">' in base


def test_plain_text_templates_and_app_templates_are_read_as_written():
    email = get_template("progress/weekly_email.txt").template
    with open(email.origin.name, encoding="utf-8") as file:
        assert email.source == file.read()
    admin = get_template("admin/base.html").template
    with open(admin.origin.name, encoding="utf-8") as file:
        assert admin.source == file.read()
    assert "\n    " in admin.source  # Django's own admin template keeps its indentation


def test_the_loader_is_the_one_the_site_uses():
    loaders = engines["django"].engine.template_loaders
    (cached,) = loaders
    names = [type(loader).__module__ for loader in cached.loaders]
    assert names == [
        "config.template_loaders",
        "django.template.loaders.app_directories",
    ]
