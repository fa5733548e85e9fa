"""What the campaign API views share: the acting user and the permission check."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from rest_framework.request import Request


def acting_user(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- IsAuthenticated ran before
    return request.user


def require(request: Request, perm: str) -> User:
    """The acting user if they hold ``perm``; 403 otherwise (as the pages answer)."""
    user = acting_user(request)
    if not user.has_perm(perm):
        raise PermissionDenied("You lack the permission for this.")
    return user
