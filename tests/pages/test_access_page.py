"""Who may import from the Data page: sign-in, roles, read-only when exposed, who did it.

Each test drives the app as a browser would through AppTest, including what a crafted request
does: a viewer's upload box and Import button are drawn disabled, and a script talking to the
server can still send a file and a click for them. Streamlit 1.67 discards a disabled widget's
reported value; behind that, the store's own role check (tests/events/test_access.py) refuses
any import a viewer's session attempts. Either way nothing may be written.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from page_support import APP, TIMEOUT, plain
from streamlit import config
from streamlit.testing.v1 import AppTest
from test_data_page import GOOD, csv_bytes

from dashboard.events import access

AUTH_SECRETS = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "a-test-secret-of-sufficient-length-0123456789",
        "client_id": "conflict-monitor",
        "client_secret": "test-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}
ROLES = """
default = "viewer"
groups_claim = "groups"
[users]
"Ana@Example.org" = "analyst"
[groups]
"cm-admins" = "admin"
"""


@pytest.fixture
def server_address() -> Iterator[callable]:
    """Set ``server.address`` as ``--server.address`` would, and put the repository's value back."""
    before = config.get_option("server.address")

    def set_address(value: str) -> None:
        config.set_option("server.address", value)

    yield set_address
    config.set_option("server.address", before)


@pytest.fixture
def role_map(tmp_path, monkeypatch):
    path = tmp_path / "roles.toml"
    path.write_text(ROLES)
    monkeypatch.setenv(access.ROLES_ENV, str(path))
    return path


def data_page(*, user: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    if not at.exception and not _has_button(at, "sign-in"):
        at.switch_page("app_pages/data.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _has_button(at: AppTest, key: str) -> bool:
    return any(b.key == key for b in at.button)


def forced(widget):
    """``widget`` as a crafted client sees it: ``disabled`` is only drawn by the browser.

    AppTest refuses to drive a disabled widget, as a browser does; a script talking to the
    server's WebSocket sends the same widget state either way, so the flag is cleared on the
    test's copy of the element, and the server receives exactly what such a script would send.
    """
    widget.proto.disabled = False
    return widget


def crafted_import(at: AppTest) -> AppTest:
    """Set a file and press Import whatever the page shows, as a script talking to the server can."""
    forced(at.file_uploader[0]).upload("upload.csv", csv_bytes(GOOD), "text/csv")
    at.run()
    if _has_button(at, "import"):  # Streamlit dropped a disabled uploader's file: no button to press
        forced(at.button(key="import")).click().run()
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("info", "error", "warning", "success", "caption", "markdown") for e in at.get(kind)]
    return "\n".join(plain(str(p)).replace("**", "") for p in parts)


def nothing_written(page_store, before: str) -> None:
    assert page_store.revision_token() == before, "a viewer's import wrote to the log"
    assert len(page_store.batches()) == 1  # the fixture's own import only
    assert "U-1" not in set(page_store.current_events()["event_id"])


# --- no sign-in ----------------------------------------------------------------------------------


def test_local_user_imports_under_their_name(page_store, server_address, monkeypatch):
    server_address("127.0.0.1")
    monkeypatch.setenv(access.USER_ENV, "analyst-on-laptop")
    crafted_import(data_page())
    assert page_store.batches().iloc[0]["recorded_by"] == "analyst-on-laptop"
    assert "by analyst-on-laptop" in texts(data_page())  # the "Last import" line


@pytest.mark.parametrize("address", ["0.0.0.0", "192.0.2.10", ""])
def test_exposed_without_sign_in_is_read_only(page_store, server_address, address, monkeypatch):
    monkeypatch.delenv(access.ANONYMOUS_WRITES_ENV, raising=False)
    server_address(address)
    before = page_store.revision_token()
    at = data_page()
    assert any("Read-only" in i.value for i in at.sidebar.get("info")), "no read-only notice"
    assert at.file_uploader[0].disabled
    assert "anonymous has the viewer role" in texts(at)
    crafted_import(at)
    nothing_written(page_store, before)


def test_exposed_with_anonymous_writes_imports_and_warns(page_store, server_address, monkeypatch):
    server_address("0.0.0.0")
    monkeypatch.setenv(access.ANONYMOUS_WRITES_ENV, "1")
    monkeypatch.setenv(access.USER_ENV, "svc")
    at = data_page()
    assert any("Anyone who can reach" in w.value for w in at.sidebar.get("warning"))
    crafted_import(at)
    assert page_store.batches().iloc[0]["recorded_by"] == "anonymous via svc"


# --- sign-in -------------------------------------------------------------------------------------


def test_sign_in_required_before_any_page(page_store, role_map):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets.update(AUTH_SECRETS)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert _has_button(at, "sign-in")
    assert not at.get("metric") and not at.get("plotly_chart"), "the log showed before sign-in"


def test_signed_in_viewer_cannot_import(page_store, role_map, server_address):
    server_address("0.0.0.0")
    before = page_store.revision_token()
    user = {"is_logged_in": True, "email": "vera@example.org", "groups": ["readers"]}
    at = data_page(user=user, secrets=AUTH_SECRETS)
    assert "Signed in as vera@example.org (viewer)" in texts(at)
    assert _has_button(at, "sign-out")
    assert at.file_uploader[0].disabled
    crafted_import(at)
    nothing_written(page_store, before)


def test_signed_in_analyst_imports_and_is_recorded(page_store, role_map, server_address):
    server_address("0.0.0.0")
    user = {"is_logged_in": True, "email": "ana@example.org"}
    at = crafted_import(data_page(user=user, secrets=AUTH_SECRETS))
    assert not at.error, [e.value for e in at.error]
    batch = page_store.batches().iloc[0]
    assert (batch["file_name"], batch["recorded_by"]) == ("upload.csv", "ana@example.org")
    history = page_store.history("U-1")
    assert list(history["recorded_by"]) == ["ana@example.org"]
    at = data_page(user=user, secrets=AUTH_SECRETS)
    shown = next(d.value for d in at.dataframe if "batch_id" in d.value.columns)
    assert list(shown["recorded_by"])[:1] == ["ana@example.org"]


def test_group_claim_gives_the_admin_role(page_store, role_map):
    user = {"is_logged_in": True, "email": "boss@example.org", "groups": ["cm-admins"]}
    at = data_page(user=user, secrets=AUTH_SECRETS)
    assert "Signed in as boss@example.org (admin)" in texts(at)
