"""The content specification covers every field of the content models."""

from roadmap.content import fields, spec
from roadmap.models import Content

# Fields no content file gives: timestamps, what nesting and order say, and the
# time learners took (measured from their progress, progress/timings.py).
NOT_IN_FILES = {
    "id",
    "created_at",
    "updated_at",
    "first_published_at",
    "position",
    "learner_hours",
    "learner_count",
    "meaning_changed_at",  # kept by the revisions, not written in a file
}


def test_every_model_field_is_in_the_specification_or_implied_by_nesting():
    stored: dict[type, set[str]] = {}
    for kind in spec.LOADED:
        names = stored.setdefault(kind.model, set())
        for f, value in fields.flatten(kind, None):
            names.update(fields.stored(f, value))
        if kind.parent:
            names.update({kind.parent, kind.group} - {""})
    for model, names in stored.items():
        model_fields = {
            f.name
            for f in model._meta.get_fields()
            if f.concrete
            and not f.auto_created
            # links kept as rows of their own (a role's skills) have their own kind
            and not (f.many_to_many and not f.remote_field.through._meta.auto_created)
        }
        missing = model_fields - names - NOT_IN_FILES
        if model is spec.ROLES.model:
            assert "position" in names  # roles give their position; nested kinds not
        assert not missing, (model.__name__, missing)


def test_content_kinds_are_reported_in_load_order():
    assert spec.CONTENT_KINDS == (
        "sources",
        "resources",
        "skills",
        "concepts",
        "roles",
        "stages",
        "steps",
    )
    assert all(
        issubclass(spec.BY_NAME[name].model, Content) for name in spec.CONTENT_KINDS
    )
