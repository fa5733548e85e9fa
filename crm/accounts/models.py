from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The four roles. Each is a Django group whose model permissions admins edit."""

    ADMIN = "Admin", _("Admin")
    MANAGER = "Manager", _("Manager")
    SALES = "Sales", _("Sales")
    SUPPORT = "Support", _("Support")


class TeamQuerySet(models.QuerySet["Team"]):
    def with_member(self, user: User) -> "TeamQuerySet":
        return self.filter(models.Q(members_group__user=user) | models.Q(manager=user)).distinct()


class Team(models.Model):
    """A team of staff. Membership lives in ``members_group``; object permissions granted to
    that group reach every member, so joining or leaving a team needs no per-customer write.
    ``managers_group`` holds the team's manager and carries the change/reassign grants."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    members_group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="team_as_members", editable=False
    )
    managers_group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="team_as_managers", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        permissions = [
            ("manage_teams", "Can manage teams and their members"),
            ("manage_roles", "Can edit role permissions and users' roles"),
        ]

    def __str__(self) -> str:
        return self.name
