"""Celery entry points of this part of campaigns (imported by campaigns.tasks)."""
