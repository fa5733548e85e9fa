from celery import shared_task

from crm.accounts.services import session_cleanup


@shared_task(acks_late=True)
def session_cleanup_task() -> int:
    return session_cleanup()
