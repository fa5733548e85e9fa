"""Who may add to a customer's history.

Reading history follows the customer: whoever may view the customer sees its history.
Writing: Sales log contact for the customers they may change (their own; managers their
team's). Support, holding the ``work_on_visible`` capability, log contact and handle
complaints for every customer they can see (their teams'). Admins hold both.
"""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from customers.models import Customer
from customers.permissions import CHANGE
from customers.selectors import AnyUser, customer_get_for_user, customer_user_may

WORK_ON_VISIBLE = "interactions.work_on_visible"


def user_may_work_on(*, user: AnyUser, customer: Customer) -> bool:
    if not isinstance(user, User):
        return False
    if user.has_perm(WORK_ON_VISIBLE):
        return True  # the customer came through the view door already
    return customer_user_may(user=user, customer=customer, perm=CHANGE)


def customer_get_for_history_write(*, user: AnyUser, customer_id: int) -> Customer:
    """The door for adding history: 404 for strangers, 403 for those who only read."""
    customer = customer_get_for_user(user=user, customer_id=customer_id)
    if not user_may_work_on(user=user, customer=customer):
        raise PermissionDenied("You may view this customer's history but not add to it.")
    return customer
