"""Sign-in end to end: Chromium, the dashboard's server and an OpenID Connect provider, all local.

The provider (``oidc_provider.py``) starts inside the test run on 127.0.0.1. The dashboard runs
from a folder of its own holding what an admin writes: ``.streamlit/config.toml`` (the
repository's), ``.streamlit/secrets.toml`` with the ``[auth]`` section, and
``.streamlit/roles.toml`` (the role map). A viewer signs in and cannot import; an analyst signs
in, imports, and the import records who did it; both sign out.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest
from e2e_support import (
    FIXTURES,
    IDLE,
    REPO,
    SCRIPT_TIMEOUT_MS,
    VIEWPORT,
    free_port,
    is_local,
    serve,
)
from oidc_provider import OidcProvider
from playwright.sync_api import Page, expect

from dashboard.events.importers import import_file
from dashboard.events.store import open_store

pytestmark = pytest.mark.e2e

PAGE_FIXTURE = REPO / "tests" / "fixtures" / "pages" / "events.csv"
UPLOAD = FIXTURES / "signin_upload.csv"
CLIENT_ID, CLIENT_SECRET = "conflict-monitor", "test-client-secret"
ROLES = """\
default = "viewer"
groups_claim = "groups"
[users]
"ana@example.org" = "analyst"
[groups]
"cm-admins" = "admin"
"""


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    users = {"ana@example.org": {"groups": ["analysts"]}, "vera@example.org": {"groups": ["readers"]}}
    started = OidcProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, users=users).start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def signin_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('signin') / 'events.sqlite'}"
    store = open_store(url, seed=False)
    assert import_file(store, PAGE_FIXTURE, fmt="native", origin="seed").written
    store.engine.dispose()
    return url


@pytest.fixture(scope="module")
def signin_server(chromium_path, provider, signin_db, tmp_path_factory) -> Iterator[str]:
    """A dashboard with sign-in configured, served from an admin's folder; its base URL."""
    folder = tmp_path_factory.mktemp("signin-app")
    settings = folder / ".streamlit"
    settings.mkdir()
    shutil.copy(REPO / ".streamlit" / "config.toml", settings / "config.toml")
    (settings / "roles.toml").write_text(ROLES)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    (settings / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{base_url}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(24).hex()}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n'
    )
    unset = ("CONFLICT_MONITOR_ROLES", "CONFLICT_MONITOR_USER", "CONFLICT_MONITOR_ALLOW_ANONYMOUS_WRITES")
    with serve(signin_db, folder / "server.log", cwd=folder, port=port, unset=unset) as url:
        yield url


@pytest.fixture
def tab(browser, signin_server, provider) -> Iterator[Page]:
    """A fresh browser context (no cookies) that may reach only this machine."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(30_000)
    blocked: list[str] = []
    errors: list[str] = []

    def route(handled):
        if is_local(handled.request.url):
            handled.continue_()
        else:
            blocked.append(handled.request.url)
            handled.abort("internetdisconnected")

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
        assert not blocked, f"requests to the outside: {blocked}"
        assert not errors, f"uncaught errors in the page: {errors}"
    finally:
        context.close()


def wait_idle(page: Page) -> None:
    page.wait_for_timeout(150)
    page.locator(IDLE).wait_for(state="attached", timeout=SCRIPT_TIMEOUT_MS)
    page.wait_for_timeout(400)


def as_shown(email: str) -> str:
    """A pattern of ``email`` as the page shows it: as text, not a mailto link (escape_markdown puts an
    invisible word joiner, U+2060, after the "@")."""
    return re.escape(email).replace("@", "@\u2060")


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/", wait_until="domcontentloaded")
    wait_idle(page)
    expect(page.get_by_text("Sign in to see the log.")).to_be_visible(timeout=SCRIPT_TIMEOUT_MS)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    # The provider's own page: a person types their email and signs in there.
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible(timeout=SCRIPT_TIMEOUT_MS)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(base_url)), timeout=SCRIPT_TIMEOUT_MS)
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text(re.compile(rf"Signed in as {as_shown(email)}"))).to_be_visible(timeout=SCRIPT_TIMEOUT_MS)


def open_data_page(page: Page, base_url: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Data").click()
    wait_idle(page)
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text("Data", timeout=SCRIPT_TIMEOUT_MS)


def sign_out(page: Page) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name=re.compile("Sign out")).click()
    expect(page.get_by_text("Sign in to see the log.")).to_be_visible(timeout=SCRIPT_TIMEOUT_MS)


def test_viewer_signs_in_cannot_import_and_signs_out(tab, signin_server, signin_db):
    store = open_store(signin_db, seed=False)
    before = store.revision_token()
    sign_in(tab, signin_server, "vera@example.org")
    expect(tab.locator('[data-testid="stSidebar"]').get_by_text("(viewer)")).to_be_visible()
    # No desk for a viewer: the Record page is not in the menu (the store refuses their writes anyway).
    expect(tab.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Record a claim")).to_have_count(0)
    open_data_page(tab, signin_server)
    main = tab.locator('[data-testid="stMain"]')
    expect(main.get_by_text(re.compile(f"{as_shown('vera@example.org')} has the viewer role"))).to_be_visible()
    dropzone = main.locator('[data-testid="stFileUploaderDropzoneInput"]')
    expect(dropzone).to_be_disabled()
    expect(main.get_by_role("button", name=re.compile(r"Import \d+ rows?"))).to_have_count(0)
    sign_out(tab)
    # Signed out means signed out: the pages ask for sign-in again.
    tab.goto(signin_server + "/data", wait_until="domcontentloaded")
    wait_idle(tab)
    expect(tab.get_by_text("Sign in to see the log.")).to_be_visible(timeout=SCRIPT_TIMEOUT_MS)
    assert store.revision_token() == before
    store.engine.dispose()


def test_analyst_signs_in_imports_and_is_recorded(tab, signin_server, signin_db, provider):
    sign_in(tab, signin_server, "ana@example.org")
    expect(tab.locator('[data-testid="stSidebar"]').get_by_text("(analyst)")).to_be_visible()
    expect(tab.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Record a claim")).to_have_count(1)
    open_data_page(tab, signin_server)
    main = tab.locator('[data-testid="stMain"]')
    main.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(UPLOAD)
    wait_idle(tab)
    button = main.get_by_role("button", name=re.compile(r"Import 1 rows?$"))
    expect(button).to_be_enabled(timeout=SCRIPT_TIMEOUT_MS)
    button.click()
    wait_idle(tab)
    success = main.locator('[data-testid="stAlertContentSuccess"]')
    expect(success).to_contain_text("1 new", timeout=SCRIPT_TIMEOUT_MS)
    expect(
        main.get_by_text(re.compile(rf"Last import: signin_upload\.csv \(native\) by {as_shown('ana@example.org')}"))
    ).to_be_visible()
    store = open_store(signin_db, seed=False)
    try:
        batch = store.batches().iloc[0]
        assert (batch["file_name"], batch["recorded_by"]) == ("signin_upload.csv", "ana@example.org")
        assert list(store.history("SIGNIN-1")["recorded_by"]) == ["ana@example.org"]
    finally:
        store.engine.dispose()
    sign_out(tab)
    assert "GET /logout" in provider.requests  # signed out at the provider too (end_session_endpoint)
