import datetime
import zoneinfo

from django.template import Context, Template
from django.utils import timezone

MOMENT = datetime.datetime(2025, 3, 4, 5, 6, 7, 891234, tzinfo=datetime.UTC)


def render(value) -> str:
    template = Template("{% load datetimes %}{{ value|html_datetime }}")
    return template.render(Context({"value": value}))


def test_it_writes_the_time_to_the_second_without_microseconds():
    assert render(MOMENT) == "2025-03-04T05:06:07+00:00"


def test_it_writes_the_time_in_the_current_time_zone():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        assert render(MOMENT) == "2025-03-04T06:06:07+01:00"


def test_it_writes_a_date_as_a_date():
    assert render(datetime.date(2025, 3, 4)) == "2025-03-04"


def test_it_writes_nothing_for_an_empty_or_wrong_value():
    assert render(None) == ""
    assert render("yesterday") == ""
