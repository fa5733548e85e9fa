"""Validation of IANA time-zone names typed by users or imported."""

from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value and value not in available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})
