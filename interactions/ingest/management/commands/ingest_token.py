"""`manage.py ingest_token <username> [--new]`: the API token of an integration user.

Creates the user if needed (no password: it cannot log in to the pages), grants it the
``ingest.ingest_events`` capability and prints its DRF token, for the external system to
send as ``Authorization: Token <key>``. ``--new`` replaces the token (the old one stops
working).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.lib.errors import ApplicationError
from interactions.ingest.services import integration_user_ensure


class Command(BaseCommand):
    help = "Create or find an integration user allowed to send events, and print its token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--new", action="store_true", help="replace the existing token")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, key = integration_user_ensure(
                username=options["username"], new_token=options["new"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{user.username}: Authorization: Token {key}")
