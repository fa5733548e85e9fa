"""Phone numbers normalised to E.164 with the maintained ``phonenumbers`` library."""

import phonenumbers
from django.conf import settings


class InvalidPhoneError(ValueError):
    pass


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError(str(exc)) from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhoneError(raw)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
