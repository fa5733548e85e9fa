"""`manage.py demo_campaigns`: consent, segments, a win-back email and a draft campaign
for the demo (after demo_data and demo_history); a second run adds nothing."""

from typing import Any

from django.core.management.base import BaseCommand

from campaigns.demo import demo_campaigns_create


class Command(BaseCommand):
    help = "Create the demo's marketing consent, segments, message template and campaign."

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_campaigns_create()
        made = ", ".join(f"{n:,} {name}" for name, n in result.created.items() if n)
        self.stdout.write(f"Demo campaigns: {made or 'nothing new'}.")
