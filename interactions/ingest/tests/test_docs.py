"""docs/webhooks.md stays true: its examples pass the formats they illustrate."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from interactions.ingest.api import EventsInput
from interactions.ingest.payloads import payload_validate

DOC = (Path(settings.BASE_DIR) / "docs" / "webhooks.md").read_text()


def _first_json_after(heading: str) -> object:
    section = DOC[DOC.index(heading) :]
    match = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert match is not None, heading
    return json.loads(match.group(1))


@pytest.mark.parametrize("kind", ["shop_orders", "email_events", "helpdesk_tickets"])
def test_each_payload_example_matches_its_format(kind: str) -> None:
    payload_validate(kind=kind, data=_first_json_after(f"#### `{kind}`"))


def test_the_bulk_example_is_a_valid_batch() -> None:
    serializer = EventsInput(data=_first_json_after("## The bulk events API"))

    assert serializer.is_valid(), serializer.errors
    assert len(serializer.validated_data["events"]) == 4
