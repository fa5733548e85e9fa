"""A customer's time zone: their own setting, else the usual zone of their country."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from customers.models import Customer

# Our markets first; a country with several zones gets its capital's.
COUNTRY_ZONES = {
    "LT": "Europe/Vilnius",
    "LV": "Europe/Riga",
    "EE": "Europe/Tallinn",
    "PL": "Europe/Warsaw",
    "GR": "Europe/Athens",
    "CY": "Asia/Nicosia",
    "DE": "Europe/Berlin",
    "FI": "Europe/Helsinki",
    "SE": "Europe/Stockholm",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "FR": "Europe/Paris",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "NL": "Europe/Amsterdam",
    "US": "America/New_York",
}


def zone_name_for(*, time_zone: str, country: str) -> str:
    """The IANA zone to use for a customer with these two fields."""
    if time_zone:
        return time_zone
    fallback: str = settings.TIME_ZONE
    return COUNTRY_ZONES.get(country.upper(), fallback)


def customer_zone(customer: Customer) -> ZoneInfo:
    try:
        return ZoneInfo(zone_name_for(time_zone=customer.time_zone, country=customer.country))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)
