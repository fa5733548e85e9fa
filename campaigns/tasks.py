"""Celery entry points of campaigns; each sub-domain keeps its own, imported here so that
the worker's autodiscovery finds them."""

from campaigns.automations.tasks import *  # noqa: F403 -- re-export for autodiscovery
from campaigns.delivery.tasks import *  # noqa: F403 -- re-export for autodiscovery
from campaigns.segments.tasks import *  # noqa: F403 -- re-export for autodiscovery
