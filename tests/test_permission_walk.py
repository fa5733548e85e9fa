"""Walks every URL pattern for every persona. A route missing from ROUTES fails the suite,
so nobody adds a page or API route without saying who may use it."""

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from churn.models import ModelVersion
from churn.tests.factories import make_alert, make_model_version, make_run
from conftest import PERSONAS, World
from interactions.imports.tests.factories import import_job_for_walk

# A method the route does not offer answers 405 before any lookup, revealing nothing.
# Per route: the expected status of GET and POST for each persona, written as
# "alice bob charlie manager admin anonymous". "-" means the method is not exercised.
# The customer is alice's, in team North (alice Sales + bob Support; manager manages it);
# charlie is Sales in team South. Anonymous users are sent to the login page (302) or
# refused by the API (403).
ROUTES: dict[str, tuple[str, str]] = {
    "home": ("302 302 302 302 302 302", "-"),
    "customers:list": ("200 200 200 200 200 302", "-"),
    "customers:create": ("200 403 200 200 200 302", "200 403 200 200 200 302"),
    "customers:export": ("200 403 200 200 200 302", "405 403 405 405 405 302"),
    "customers:detail": ("200 200 404 200 200 302", "405 405 405 405 405 302"),
    "customers:edit": ("200 403 404 200 200 302", "200 403 404 200 200 302"),
    "customers:reassign": ("403 403 404 200 200 302", "403 403 404 302 302 302"),
    "customers:stage": ("405 405 405 405 405 302", "302 403 404 302 302 302"),
    "customers:contact-add": ("405 405 405 405 405 302", "302 403 404 302 302 302"),
    "customers:contact-remove": ("405 405 405 405 405 302", "302 403 404 302 302 302"),
    # Customer history. bob (Support) may add to the history of his teams' customers.
    "interactions:panel": ("200 200 404 200 200 302", "405 405 405 405 405 302"),
    "interactions:timeline": ("200 200 404 200 200 302", "-"),
    "interactions:log": ("405 405 405 405 405 302", "302 302 404 302 302 302"),
    "interactions:complaint-open": ("405 405 405 405 405 302", "302 302 404 302 302 302"),
    "interactions:export": ("200 403 404 200 200 302", "-"),
    "interactions:duplicates": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "interactions:merge": ("403 403 403 200 200 302", "403 403 403 200 200 302"),
    "api:customer-export": ("200 403 200 200 200 403", "405 405 405 405 405 403"),
    "interactions:complaint-queue": ("200 200 200 200 200 302", "405 405 405 405 405 302"),
    "interactions:complaint": ("200 200 404 200 200 302", "405 405 405 405 405 302"),
    "interactions:complaint-respond": ("405 405 405 405 405 302", "200 200 404 200 200 302"),
    "interactions:complaint-status": ("405 405 405 405 405 302", "200 200 404 200 200 302"),
    "interactions:complaint-assign": ("405 405 405 405 405 302", "302 302 404 302 302 302"),
    "interactions:service-levels": ("403 403 403 403 200 302", "403 403 403 403 200 302"),
    # Imports: Manager and Admin (imports.run_import). The job is the manager's: admin sees
    # it but only its creator acts on it.
    "imports:list": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "imports:upload": ("403 403 403 200 200 302", "403 403 403 200 200 302"),
    "imports:job": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "imports:mapping": ("403 403 403 200 403 302", "403 403 403 200 403 302"),
    "imports:progress": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "imports:commit": ("403 403 403 405 405 302", "403 403 403 302 403 302"),
    "api:import-list": ("403 403 403 200 200 403", "403 403 403 400 400 403"),
    "api:import-detail": ("403 403 403 200 200 403", "405 405 405 405 405 403"),
    "api:import-commit": ("405 405 405 405 405 403", "403 403 403 400 403 403"),
    # Integrations: Admin only (ingest.manage_integrations). The world has no webhook source,
    # so admin's POSTs to a source or delivery find none (404).
    "ingest:integrations": ("403 403 403 403 200 302", "403 403 403 403 405 302"),
    "ingest:source-create": ("403 403 403 403 405 302", "403 403 403 403 200 302"),
    "ingest:source-rotate": ("403 403 403 403 405 302", "403 403 403 403 404 302"),
    "ingest:source-set-active": ("403 403 403 403 405 302", "403 403 403 403 404 302"),
    "ingest:delivery-retry": ("403 403 403 403 405 302", "403 403 403 403 404 302"),
    "api:events": ("405 405 405 405 405 403", "403 403 403 403 400 403"),
    # Webhooks answer machines, whoever is logged in: an unsigned POST is a bad request.
    "webhook": ("405 405 405 405 405 405", "400 400 400 400 400 400"),
    "api:customer-interactions": ("200 200 404 200 200 403", "400 400 404 400 400 403"),
    "api:customer-timeline": ("200 200 404 200 200 403", "405 405 405 405 405 403"),
    "api:customer-summary": ("200 200 404 200 200 403", "-"),
    "api:customer-orders": ("200 200 404 200 200 403", "400 400 404 400 400 403"),
    "api:customer-complaints": ("200 200 404 200 200 403", "400 400 404 400 400 403"),
    "api:customer-surveys": ("200 200 404 200 200 403", "400 400 404 400 400 403"),
    "api:order-refunds": ("405 405 405 405 405 403", "400 400 404 400 400 403"),
    "api:complaint-queue": ("200 200 200 200 200 403", "405 405 405 405 405 403"),
    "api:complaint-detail": ("200 200 404 200 200 403", "-"),
    "api:complaint-respond": ("405 405 405 405 405 403", "400 400 404 400 400 403"),
    "api:complaint-status": ("405 405 405 405 405 403", "400 400 404 400 400 403"),
    # Churn alerts: the alert is alice's (her customer); bob sees it through his team but
    # may not act on it; the manager may (he may change the customer). The task is the
    # alert's follow-up, alice's.
    "churn:alerts": ("200 200 200 200 200 302", "405 405 405 405 405 302"),
    "churn:alert-badge": ("200 200 200 200 200 302", "405 405 405 405 405 302"),
    "churn:alert-preferences": ("200 200 200 200 200 302", "200 200 200 200 200 302"),
    "churn:alert": ("200 200 404 200 200 302", "405 405 405 405 405 302"),
    "churn:alert-acknowledge": ("405 405 405 405 405 302", "302 403 404 302 302 302"),
    "churn:alert-snooze": ("405 405 405 405 405 302", "302 403 404 302 302 302"),
    "churn:alert-resolve": ("405 405 405 405 405 302", "302 403 404 302 302 302"),
    "churn:task-done": ("405 405 405 405 405 302", "302 403 404 302 302 302"),
    "churn:risk-panel": ("200 200 404 200 200 302", "405 405 405 405 405 302"),
    # Scoring pages: Manager and Admin see them (churn.view_scoring); only Admin acts
    # (churn.manage_scoring). The version to promote is a retired one.
    "churn:models": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "churn:model-train": ("403 403 403 403 405 302", "403 403 403 403 302 302"),
    "churn:model-promote": ("403 403 403 403 405 302", "403 403 403 403 302 302"),
    "churn:backtest-create": ("403 403 403 403 405 302", "403 403 403 403 302 302"),
    "churn:runs": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "churn:run-start": ("403 403 403 403 405 302", "403 403 403 403 302 302"),
    "churn:run-progress": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "churn:settings": ("403 403 403 403 200 302", "403 403 403 403 200 302"),
    "api:alert-list": ("200 200 200 200 200 403", "405 405 405 405 405 403"),
    "api:alert-preferences": ("200 200 200 200 200 403", "405 405 405 405 405 403"),
    "api:alert-detail": ("200 200 404 200 200 403", "405 405 405 405 405 403"),
    "api:alert-acknowledge": ("405 405 405 405 405 403", "200 403 404 200 200 403"),
    "api:alert-snooze": ("405 405 405 405 405 403", "400 403 404 400 400 403"),
    "api:alert-resolve": ("405 405 405 405 405 403", "400 403 404 400 400 403"),
    "api:customer-score": ("200 200 404 200 200 403", "405 405 405 405 405 403"),
    "api:churn-model-list": ("403 403 403 200 200 403", "405 405 405 405 405 403"),
    "api:churn-model-train": ("405 405 405 405 405 403", "403 403 403 403 202 403"),
    "api:churn-model-promote": ("405 405 405 405 405 403", "403 403 403 403 200 403"),
    "api:churn-run-list": ("403 403 403 200 200 403", "403 403 403 403 400 403"),
    "api:churn-run-detail": ("403 403 403 200 200 403", "405 405 405 405 405 403"),
    "api:churn-backtest-list": ("403 403 403 200 200 403", "403 403 403 403 400 403"),
    "api:churn-settings": ("403 403 403 200 200 403", "405 405 405 405 405 403"),
    # Campaigns: segments (campaigns.segments).
    # Campaigns: campaigns, templates, coupons (campaigns.campaign_urls, campaigns.api).
    # Campaigns: automations and results.
    # Campaigns: delivery; public links answer customers, whoever is logged in.
    # Consent on the customer page.
    "accounts:roles": ("403 403 403 403 200 302", "403 403 403 403 302 302"),
    "accounts:teams": ("403 403 403 403 200 302", "-"),
    "accounts:team-create": ("403 403 403 403 200 302", "403 403 403 403 200 302"),
    "accounts:team-edit": ("403 403 403 403 200 302", "403 403 403 403 200 302"),
    "accounts:users": ("403 403 403 403 200 302", "-"),
    "accounts:user-roles": ("403 403 403 403 200 302", "403 403 403 403 302 302"),
    "api:customer-list": ("200 200 200 200 200 403", "400 403 400 400 400 403"),
    "api:customer-detail": ("200 200 404 200 200 403", "405 405 405 405 405 403"),
    "api:customer-reassign": ("405 405 405 405 405 403", "403 403 404 400 400 403"),
    "api:customer-stage": ("405 405 405 405 405 403", "400 403 404 400 400 403"),
    "api:customer-contacts": ("200 200 404 200 200 403", "400 403 404 400 400 403"),
    "api:customer-contact-detail": ("405 405 405 405 405 403", "405 405 405 405 405 403"),
    "api:customer-history": ("200 200 404 200 200 403", "405 405 405 405 405 403"),
    "api:me": ("200 200 200 200 200 403", "-"),
    "api:team-list": ("403 403 403 403 200 403", "403 403 403 403 400 403"),
    "api:team-detail": ("403 403 403 403 200 403", "-"),
    "api:role-matrix": ("403 403 403 403 200 403", "-"),
    "api:user-list": ("403 403 403 403 200 403", "-"),
    "api:user-roles": ("403 403 403 403 405 403", "-"),
    "api:token": ("405 405 405 405 405 405", "400 400 400 400 400 400"),
    "schema": ("200 200 200 200 200 403", "-"),
    "api-docs": ("200 200 200 200 200 403", "-"),
    # Authentication pages are public by nature; logged-in users are sent on.
    "login": ("302 302 302 302 302 200", "-"),
    "logout": ("405 405 405 405 405 405", "302 302 302 302 302 302"),
    "password_change": ("200 200 200 200 200 302", "200 200 200 200 200 302"),
    "password_change_done": ("200 200 200 200 200 302", "-"),
    "password_reset": ("200 200 200 200 200 200", "200 200 200 200 200 200"),
    "password_reset_done": ("200 200 200 200 200 200", "-"),
    "password_reset_confirm": ("200 200 200 200 200 200", "-"),
    "password_reset_complete": ("200 200 200 200 200 200", "-"),
    "set_language": ("302 302 302 302 302 302", "302 302 302 302 302 302"),
}
# Django's own admin keeps its own staff-only login; tested in test_django_admin_is_staff_only.
EXEMPT_NAMESPACES = {"admin"}


def _names(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace
            if ns in EXEMPT_NAMESPACES:
                continue
            yield from _names(p.url_patterns, f"{prefix}{ns}:" if ns else prefix)
        elif p.name:
            yield f"{prefix}{p.name}"


def test_every_route_has_permission_expectations() -> None:
    names = set(_names(get_resolver().url_patterns))
    assert names - set(ROUTES) == set(), "new routes need a line in ROUTES"
    assert set(ROUTES) - names == set(), "ROUTES lists routes that no longer exist"


def _url(name: str, world: World) -> str:
    kwargs: dict[str, object] = {}
    pattern_kwargs: dict[str, dict[str, object]] = {
        "customers:contact-remove": {"pk": world.customer.pk, "contact_id": world.contact.pk},
        "api:customer-contact-detail": {"pk": world.customer.pk, "contact_id": world.contact.pk},
        "accounts:team-edit": {"pk": world.north.pk},
        "api:team-detail": {"pk": world.north.pk},
        "accounts:user-roles": {"pk": world.bob.pk},
        "api:user-roles": {"pk": world.bob.pk},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "webhook": {"slug": "shop"},
        "interactions:merge": {"pk": world.customer.pk, "other_pk": world.customer.pk},
    }
    if name in pattern_kwargs:
        kwargs = pattern_kwargs[name]
    elif "alert_id" in _params(name):
        kwargs = {"alert_id": make_alert(world.customer, world.alice).pk}
    elif "task_id" in _params(name):
        kwargs = {"task_id": make_alert(world.customer, world.alice).task.pk}
    elif "version_id" in _params(name):
        kwargs = {"version_id": make_model_version(status=ModelVersion.Status.RETIRED).pk}
    elif "run_id" in _params(name):
        kwargs = {"run_id": make_run().pk}
    elif "job_id" in _params(name):
        kwargs = {"job_id": import_job_for_walk(world.manager).pk}
    elif "complaint_id" in _params(name):
        kwargs = {"complaint_id": world.complaint.pk}
    elif "order_id" in _params(name):
        kwargs = {"order_id": world.order.pk}
    elif "pk" in _params(name):
        kwargs = {"pk": world.customer.pk}
    return reverse(name, kwargs=kwargs)


def _params(name: str) -> set[str]:
    """The keyword arguments the named route takes (pk, complaint_id, ...)."""
    possibilities = get_resolver().reverse_dict.getlist(name.split(":")[-1])
    if ":" in name:
        namespace, _sep, short = name.rpartition(":")
        resolver = get_resolver()
        for part in namespace.split(":"):
            resolver = resolver.namespace_dict[part][1]
        possibilities = resolver.reverse_dict.getlist(short)
    return {param for p in possibilities for _pattern, params in p[0] for param in params}


CASES = [
    (name, method, codes)
    for name, (get, post) in ROUTES.items()
    for method, codes in (("get", get), ("post", post))
    if codes != "-"
]


@pytest.mark.parametrize(("name", "method", "codes"), CASES)
def test_route_status_for_every_persona(world: World, name: str, method: str, codes: str) -> None:
    """Each persona's request runs in a savepoint that is rolled back, so a write by one
    persona never changes what the next one sees."""
    wrong = []
    for persona, expected in zip(PERSONAS, codes.split(), strict=True):
        with transaction.atomic():
            client = Client()
            user = world.persona(persona)
            if user is not None:
                client.force_login(user)
            status = getattr(client, method)(_url(name, world)).status_code
            transaction.set_rollback(True)
        if status != int(expected):
            wrong.append(f"{persona}: got {status}, expected {expected}")
    assert wrong == [], f"{method.upper()} {name}"


def test_django_admin_is_staff_only(world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]
