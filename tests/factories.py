"""factory_boy factories for staff and customers. Customers are created through the
service, so they carry the same grants and audit entries as real ones."""

from typing import Any

import factory
from django.contrib.auth.models import Group, User

from crm.accounts.models import Team
from crm.accounts.services import team_create
from customers.models import Customer
from customers.services import CustomerData, customer_create


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-12345-secret")

    @factory.post_generation
    def role(self: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


def make_user(username: str, role: str | None = None, **fields: Any) -> User:
    user = UserFactory.create(username=username, role=role, **fields)
    assert isinstance(user, User)
    return user


def make_team(name: str, *, manager: User | None = None, members: tuple[User, ...] = ()) -> Team:
    return team_create(acting_user=None, name=name, manager=manager, members=members)


_counter = iter(range(1, 10**9))


def make_customer(*, owner: User | None, team: Team | None, **overrides: Any) -> Customer:
    n = next(_counter)
    data = CustomerData(
        name=overrides.pop("name", f"Customer {n}"),
        emails=overrides.pop("emails", [f"customer{n}@example.com"]),
        phones=overrides.pop("phones", []),
        **overrides,
    )
    actor = owner or User.objects.filter(is_superuser=True).first()
    assert actor is not None
    return customer_create(acting_user=actor, data=data, owner=owner, team=team)
