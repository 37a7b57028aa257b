"""Who is using the dashboard: sign-in through Streamlit (``st.login``), the role map, the notice.

Sign-in is on when Streamlit's secrets hold an ``[auth]`` section (``.streamlit/secrets.toml``);
every visitor must then sign in, and the role map (``dashboard.events.access.load_role_map``)
gives their role. Without it the dashboard is local (its own user's, full rights) when bound to
a loopback address, and read-only for everyone when reachable from the network unless
``conflict-monitor serve --allow-anonymous-writes`` says otherwise. The entry file runs each page
inside ``access.acting_as(actor)``, so the store's own check decides every write.
"""

from __future__ import annotations

import streamlit as st

from dashboard.events import access
from dashboard.events.access import Actor, Role
from dashboard.ui.text import escape_markdown

_NOTICE_SHOWN = "_access_notice_shown"


def sign_in_configured() -> bool:
    """True when Streamlit's secrets configure an OpenID Connect provider."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


def _default_provider() -> str | None:
    """``None`` for settings directly under ``[auth]``, else the first ``[auth.NAME]`` provider."""
    section = st.secrets["auth"]
    if "client_id" in section:
        return None
    named = [name for name, value in section.items() if isinstance(value, dict) or hasattr(value, "keys")]
    return named[0] if named else None


def signed_in_actor() -> Actor:
    """The signed-in user, with the role the role map gives their email or groups."""
    role_map = access.load_role_map(access.role_map_path())
    claims = st.user.to_dict()
    email = claims.get("email")
    groups = claims.get(role_map.groups_claim) or []
    if isinstance(groups, str):  # some providers send one group as a string
        groups = [groups]
    name = email or claims.get("preferred_username") or claims.get("sub") or "unknown"
    return Actor(str(name), role_map.role_for(email, [str(g) for g in groups]), signed_in=True)


def current_actor() -> Actor | None:
    """Who this session acts as; ``None`` when sign-in is required and nobody is signed in yet."""
    if sign_in_configured():
        return signed_in_actor() if st.user.is_logged_in else None
    return access.anonymous_actor(st.get_option("server.address"), allow_writes=access.anonymous_writes_allowed())


def require_actor() -> Actor:
    """The session's actor; stops the run with a sign-in screen when sign-in is required."""
    try:
        actor = current_actor()
    except access.RoleMapError as exc:
        st.error(f"The role map cannot be read, so nobody can be given a role: {exc}", icon=":material/error:")
        st.stop()
    if actor is None:
        st.title("Conflict Monitor", anchor=False)
        st.write("Sign in to see the log.")
        provider = _default_provider()
        if st.button("Sign in", type="primary", icon=":material/login:", key="sign-in"):
            st.login(provider)
        st.stop()
    return actor


def render_identity(actor: Actor) -> None:
    """Who is signed in, with what role, and the sign-out button; or why the dashboard is read-only."""
    with st.sidebar:
        if actor.signed_in:
            st.caption(f"Signed in as **{escape_markdown(actor.name)}** ({actor.role.label})")
            if st.button("Sign out", icon=":material/logout:", key="sign-out"):
                st.logout()
        elif actor.role is Role.VIEWER:
            st.info(read_only_notice(), icon=":material/lock:")
        elif not access.is_loopback(st.get_option("server.address")):
            st.warning(
                "Anyone who can reach this dashboard may import: it runs without sign-in and with "
                "--allow-anonymous-writes.",
                icon=":material/warning:",
            )


def read_only_notice() -> str:
    return (
        "Read-only: this dashboard is reachable from the network without sign-in, so nobody may import. "
        "An admin can configure sign-in (README, Team deployment)."
    )
