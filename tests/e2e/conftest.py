"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's
``live_server``. One browser per session, a fresh context (cookies, storage) per test.

Without ``CRM_E2E=1`` the suite skips when Chromium is missing; with it (CI) a missing
browser fails, so a broken CI image cannot pass by skipping."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from conftest import World
from customers.models import Customer
from customers.permissions import customer_permission_id
from tests.factories import make_customer, make_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
# Long enough for a cold page on a loaded CI runner, short enough to fail fast.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = (
            f"Chromium not installed at {CHROMIUM}: run `make test` with CI=true "
            "or apt-get install chromium"
        )
        if os.environ.get("CRM_E2E") == "1":
            pytest.fail(f"CRM_E2E=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    # Playwright's sync API leaves its event loop marked as running in this thread, and
    # Django then keeps connections per async context rather than per thread: tests would
    # get new connection objects without what pytest-django attached to the old ones (the
    # serialized_rollback snapshot, for one). Keep using the old ones.
    thread_connections = {alias: connections[alias] for alias in connections}
    # For the same reason Django refuses ORM calls from this thread unless told that this is
    # deliberate. It is safe: the loop is Playwright's, and no ORM call runs on it.
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, wrapper in thread_connections.items():
            connections[alias] = wrapper
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _fresh_permission_ids() -> None:
    """A transactional test's flush makes post_migrate create the permissions again, with
    new ids; forget the ids this process cached before the previous test's flush."""
    customer_permission_id.cache_clear()


@pytest.fixture
def browser_context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    return browser_context.new_page()


@pytest.fixture
def log_in_as(browser_context: BrowserContext, live_server):
    """Log the context in as ``user`` without the login form: a session made by the test
    client, its cookie copied into the browser."""

    def log_in(user: User) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        browser_context.clear_cookies()
        browser_context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return log_in


@pytest.fixture
def screenshot(page: Page):
    """Save a full-page screenshot under test-artifacts/screenshots/ (gitignored)."""

    def save(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def dana(world: World) -> User:
    """A second Sales owner in alice's team North: somebody to reassign to."""
    user = make_user("dana", "Sales")
    world.north.members_group.user_set.add(user)
    return user


@pytest.fixture
def other_customers(world: World) -> list[Customer]:
    """Neighbours of alice's customer in the list, so that a search has rows to hide."""
    return [
        make_customer(owner=world.alice, team=world.north, name=name)
        for name in ("Birutė Jonaitienė", "Darius Kazlauskas", "UAB Medeina")
    ]
