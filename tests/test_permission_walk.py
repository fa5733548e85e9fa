"""Walks every URL pattern for every persona. A route missing from ROUTES fails the suite,
so nobody adds a page or API route without saying who may use it."""

from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campaigns.automations.tests.factories import automation_for_walk
from campaigns.delivery.tests.factories import (
    direct_mail_campaign_for_walk,
    public_tokens_for_walk,
)
from campaigns.segments.tests.factories import make_cluster, make_segment
from campaigns.tests.factories import campaign_for_walk, template_for_walk
from churn.models import ModelVersion
from churn.tests.factories import make_alert, make_model_version, make_run
from conftest import PERSONAS, World
from crm.privacy.tests.factories import erasure_request_for_walk
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
    # Every role sees segments; Sales and above create them; the segment here is the
    # manager's, so only the manager and admin change or delete it. Bob (Support) may not
    # create, nor save a suggestion. Empty POSTs fail validation (400).
    "campaigns:segment-list": ("200 200 200 200 200 302", "405 405 405 405 405 302"),
    "campaigns:segment-create": ("200 403 200 200 200 302", "400 403 400 400 400 302"),
    "campaigns:segment-preview": ("405 405 405 405 405 302", "200 200 200 200 200 302"),
    "campaigns:segment-condition": ("200 200 200 200 200 302", "405 405 405 405 405 302"),
    "campaigns:segment-clusters": ("200 200 200 200 200 302", "405 405 405 405 405 302"),
    "campaigns:segment-cluster-save": ("405 403 405 405 405 302", "302 403 302 302 302 302"),
    "campaigns:segment-edit": ("403 403 403 200 200 302", "403 403 403 400 400 302"),
    "campaigns:segment-count": ("200 200 200 200 200 302", "405 405 405 405 405 302"),
    "campaigns:segment-delete": ("405 405 405 405 405 302", "403 403 403 302 302 302"),
    "api:segment-list": ("200 200 200 200 200 403", "400 403 400 400 400 403"),
    "api:segment-count": ("405 405 405 405 405 403", "400 400 400 400 400 403"),
    "api:segment-clusters": ("200 200 200 200 200 403", "405 405 405 405 405 403"),
    "api:segment-cluster-save": ("405 405 405 405 405 403", "201 403 201 201 201 403"),
    "api:segment-detail": ("200 200 200 200 200 403", "405 405 405 405 405 403"),
    "api:segment-members": ("200 200 200 200 200 403", "405 405 405 405 405 403"),
    # Campaigns: campaigns, templates, coupons (campaigns.campaign_urls, campaigns.api).
    # Every marketing role sees every campaign (campaigns.view_campaign: Sales, Manager,
    # Admin; not Support); Manager and Admin create, change and launch; the campaign is a
    # draft by the manager. Templates: Manager and Admin. Coupons: everyone sees those of
    # customers they see; recording an order with one needs change_coupon (not Support).
    # Settings: Admin only. Empty POSTs to forms re-render them (200) or are API 400s.
    "campaigns:list": ("200 403 200 200 200 302", "405 403 405 405 405 302"),
    "campaigns:create": ("403 403 403 200 200 302", "403 403 403 200 200 302"),
    "campaigns:detail": ("200 403 200 200 200 302", "405 403 405 405 405 302"),
    "campaigns:edit": ("403 403 403 200 200 302", "403 403 403 200 200 302"),
    "campaigns:launch": ("403 403 403 405 405 302", "403 403 403 302 302 302"),
    "campaigns:cancel": ("403 403 403 405 405 302", "403 403 403 302 302 302"),
    "campaigns:duplicate": ("403 403 403 405 405 302", "403 403 403 302 302 302"),
    "campaigns:progress": ("200 403 200 200 200 302", "405 403 405 405 405 302"),
    "campaigns:held": ("200 403 200 200 200 302", "405 403 405 405 405 302"),
    "campaigns:preview": ("200 403 200 200 200 302", "405 403 405 405 405 302"),
    "campaigns:preview-search": ("200 403 200 200 200 302", "405 403 405 405 405 302"),
    "campaigns:template-list": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "campaigns:template-create": ("403 403 403 200 200 302", "403 403 403 200 200 302"),
    "campaigns:template-edit": ("403 403 403 200 200 302", "403 403 403 200 200 302"),
    "campaigns:template-delete": ("403 403 403 405 405 302", "403 403 403 302 302 302"),
    "campaigns:coupon-list": ("200 200 200 200 200 302", "405 405 405 405 405 302"),
    "campaigns:coupon-order": ("200 403 200 200 200 302", "200 403 200 200 200 302"),
    "campaigns:settings": ("403 403 403 403 200 302", "403 403 403 403 200 302"),
    "api:campaign-list": ("200 403 200 200 200 403", "403 403 403 400 400 403"),
    "api:campaign-detail": ("200 403 200 200 200 403", "405 405 405 405 405 403"),
    "api:campaign-launch": ("405 405 405 405 405 403", "403 403 403 202 202 403"),
    "api:campaign-cancel": ("405 405 405 405 405 403", "403 403 403 200 200 403"),
    "api:campaign-duplicate": ("405 405 405 405 405 403", "403 403 403 201 201 403"),
    "api:campaign-preview": ("400 403 400 400 400 403", "405 405 405 405 405 403"),
    "api:campaign-progress": ("200 403 200 200 200 403", "405 405 405 405 405 403"),
    "api:message-template-list": ("403 403 403 200 200 403", "403 403 403 400 400 403"),
    "api:message-template-detail": ("403 403 403 200 200 403", "405 405 405 405 405 403"),
    "api:coupon-list": ("200 200 200 200 200 403", "405 405 405 405 405 403"),
    "api:coupon-order": ("405 405 405 405 405 403", "400 403 400 400 400 403"),
    "api:campaign-settings": ("403 403 403 403 200 403", "405 405 405 405 405 403"),
    # Campaigns: automations and results.
    # Automations: seen with view_campaign (Sales, Manager, Admin), made with add_campaign,
    # changed with change_campaign, switched with launch_campaign (Manager, Admin). The
    # automation is the manager's and off; an empty switch POST leaves it off (302, 200).
    "campaigns:automation-list": ("200 403 200 200 200 302", "405 403 405 405 405 302"),
    "campaigns:automation-create": ("403 403 403 200 200 302", "403 403 403 200 200 302"),
    "campaigns:automation-edit": ("403 403 403 200 200 302", "403 403 403 200 200 302"),
    "campaigns:automation-set-active": ("403 403 403 405 405 302", "403 403 403 302 302 302"),
    "api:automation-list": ("200 403 200 200 200 403", "403 403 403 400 400 403"),
    "api:automation-detail": ("200 403 200 200 200 403", "405 405 405 405 405 403"),
    "api:automation-set-active": ("405 405 405 405 405 403", "403 403 403 200 200 403"),
    # Results: campaigns.view_campaign_results (Manager, Admin); the campaign is the draft.
    "campaigns:overview": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "campaigns:results-export": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "campaigns:results-panel": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "api:campaign-results-overview": ("403 403 403 200 200 403", "405 405 405 405 405 403"),
    "api:campaign-results": ("403 403 403 200 200 403", "405 405 405 405 405 403"),
    # Campaigns: delivery; public links answer customers, whoever is logged in.
    "public:unsubscribe": ("200 200 200 200 200 200", "200 200 200 200 200 200"),
    "public:unsubscribe-one-click": ("200 200 200 200 200 200", "400 400 400 400 400 400"),
    "public:open": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "public:click": ("302 302 302 302 302 302", "405 405 405 405 405 405"),
    "campaigns:direct-mail-export": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "api:campaign-send-bounce": ("403 403 403 405 405 403", "403 403 403 400 400 403"),
    # Consent on the customer page.
    # Every role may see and record consent on the customers it sees (customers.view_consent
    # and change_consent); an empty POST is a form error.
    "churn:consent-panel": ("200 200 404 200 200 302", "200 200 404 200 200 302"),
    "api:customer-consents": ("200 200 404 200 200 403", "400 400 404 400 400 403"),
    # Privacy: Admin only (privacy.manage_retention).
    "privacy:access-log": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "privacy:access-log-export": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    # Data subject requests: Manager and Admin. The request is the manager's erasure of
    # alice's customer: the admin may approve it, the manager (who recorded it) may not
    # (both are redirected back to the request with a message).
    "privacy:requests": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "privacy:request-create": ("403 403 403 200 200 302", "403 403 403 200 200 302"),
    "privacy:request": ("403 403 403 200 200 302", "403 403 403 405 405 302"),
    "privacy:request-approve": ("403 403 403 405 405 302", "403 403 403 302 302 302"),
    "privacy:request-reject": ("403 403 403 405 405 302", "403 403 403 302 302 302"),
    "privacy:request-complete": ("403 403 403 405 405 302", "403 403 403 302 302 302"),
    "api:dsr-list": ("403 403 403 200 200 403", "403 403 403 400 400 403"),
    "api:dsr-detail": ("403 403 403 200 200 403", "405 405 405 405 405 403"),
    "api:dsr-approve": ("405 405 405 405 405 403", "403 403 403 400 200 403"),
    "api:dsr-reject": ("405 405 405 405 405 403", "403 403 403 400 400 403"),
    "api:dsr-complete": ("405 405 405 405 405 403", "403 403 403 400 400 403"),
    # The package link is public; a token that is not one opens nothing.
    "privacy:package": ("404 404 404 404 404 404", "405 405 405 405 405 405"),
    "privacy:data-map": ("403 403 403 403 200 302", "403 403 403 403 405 302"),
    "privacy:retention": ("403 403 403 403 200 302", "403 403 403 403 200 302"),
    "privacy:retention-preview": ("403 403 403 403 200 302", "403 403 403 403 405 302"),
    "privacy:retention-run": ("403 403 403 403 405 302", "403 403 403 403 302 302"),
    "api:retention-policies": ("403 403 403 403 200 403", "405 405 405 405 405 403"),
    "api:retention-preview": ("403 403 403 403 200 403", "405 405 405 405 405 403"),
    "api:retention-runs": ("403 403 403 403 200 403", "403 403 403 403 202 403"),
    # Security: every logged-in user has the two-factor page (a bad code re-shows it) and
    # their own API token page (a POST issues one); admins list and revoke all tokens.
    "two-factor": ("200 200 200 200 200 302", "200 200 200 200 200 302"),
    "api-token": ("200 200 200 200 200 302", "200 200 200 200 200 302"),
    "accounts:api-tokens": ("403 403 403 403 200 302", "403 403 403 403 404 302"),
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
        "privacy:package": {"token": "not-a-token"},
    }
    pattern_kwargs.update(_campaign_kwargs(name, world))
    pattern_kwargs.update(_segment_kwargs(name, world))
    pattern_kwargs.update(_delivery_kwargs(name, world))
    if name in pattern_kwargs:
        kwargs = pattern_kwargs[name]
    else:
        kwargs = _object_kwargs(_params(name), world)
    return reverse(name, kwargs=kwargs)


def _object_kwargs(params: set[str], world: World) -> dict[str, object]:
    """The object a route's one id parameter names, made for the walk (first match wins)."""
    makers: list[tuple[str, Callable[[], object]]] = [
        ("alert_id", lambda: make_alert(world.customer, world.alice).pk),
        ("task_id", lambda: make_alert(world.customer, world.alice).task.pk),
        ("version_id", lambda: make_model_version(status=ModelVersion.Status.RETIRED).pk),
        ("run_id", lambda: make_run().pk),
        ("request_id", lambda: erasure_request_for_walk(world).pk),
        ("automation_id", lambda: automation_for_walk(world.manager).pk),
        ("job_id", lambda: import_job_for_walk(world.manager).pk),
        ("complaint_id", lambda: world.complaint.pk),
        ("order_id", lambda: world.order.pk),
        ("pk", lambda: world.customer.pk),
    ]
    for param, make in makers:
        if param in params:
            return {param: make()}
    return {}


def _delivery_kwargs(name: str, world: World) -> dict[str, dict[str, object]]:
    """Routes of delivery: public links carry a token of a send to alice's customer; the
    direct-mail export needs a direct-mail campaign whose CSV exists."""
    if name == "campaigns:direct-mail-export":
        return {name: {"campaign_id": direct_mail_campaign_for_walk().pk}}
    if name.startswith("public:"):
        kind = {"unsubscribe-one-click": "unsubscribe"}.get(name[7:], name[7:])
        return {name: {"token": public_tokens_for_walk(world.customer)[kind]}}
    return {}


def _segment_kwargs(name: str, world: World) -> dict[str, dict[str, object]]:
    """Routes of segments: ``segment_id`` is a segment by the manager, ``cluster_id`` a
    suggested cluster of the latest clustering run holding alice's customer."""
    params = _params(name)
    if "segment_id" in params:
        return {name: {"segment_id": make_segment(world.manager).pk}}
    if "cluster_id" in params:
        return {name: {"cluster_id": make_cluster(members=(world.customer,)).pk}}
    return {}


def _campaign_kwargs(name: str, world: World) -> dict[str, dict[str, object]]:
    """Routes of campaigns: ``campaign_id`` is a draft by the manager (with a segment, a
    message template and a coupon), ``template_id`` a message template no campaign uses."""
    params = _params(name)
    kwargs: dict[str, object] = {}
    if "campaign_id" in params:
        kwargs["campaign_id"] = campaign_for_walk(world.manager).pk
    if "template_id" in params:
        kwargs["template_id"] = template_for_walk(world.manager).pk
    return {name: kwargs} if kwargs else {}


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
