"""Every periodic task in crm/celery.py names a registered task and says when it expires."""

import pytest

from crm.celery import app


@pytest.mark.parametrize("entry", sorted(app.conf.beat_schedule))
def test_beat_entry_names_a_registered_task_with_an_expiry(entry: str) -> None:
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule[entry]
    assert schedule["task"] in app.tasks, f"{entry}: {schedule['task']} is not a task"
    assert schedule["options"]["expires"] > 0


def test_worker_loses_nothing_when_killed() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
