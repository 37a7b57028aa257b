"""Conflict Monitor: the router. Page config, the shared sidebar filter, the pages.

Run with ``conflict-monitor`` or ``streamlit run dashboard/app.py`` from the repository root.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import server
from dashboard.events import access
from dashboard.ui import access as signin
from dashboard.ui import asof, data, page, sidebar

# Also when started with a plain `streamlit run` (serve already did this before the server started):
# Streamlit's origin check would otherwise ask checkip.amazonaws.com on a foreign-origin WebSocket.
server.disable_address_lookups()

st.set_page_config(
    page_title="Conflict Monitor",
    # A file served by the app itself: a :material/…: or emoji icon is fetched from a CDN.
    page_icon=str(Path(__file__).parent / "assets" / "icon.png"),
    layout="wide",
)

# Before any page or the log is shown: a team server asks its visitors to sign in first.
actor = signin.require_actor()

# Streamlit serves the default page at "/" only and ignores its url_path for the URL (st.Page docs:
# "the page is served at the root URL instead of url_path"), so "/overview" answered "Page not found".
# The hidden page below owns that path and forwards to "/"; the default page's url_path is then only
# an internal id, and must differ from the alias's (a page's identity is the hash of its url_path).
overview = st.Page(
    "app_pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="home", default=True
)
overview_alias = st.Page(lambda: None, title="Overview", url_path="overview", visibility="hidden")
pages = [
    overview,
    st.Page("app_pages/timeline.py", title="Timeline", icon=":material/timeline:", url_path="timeline"),
    st.Page("app_pages/map.py", title="Map", icon=":material/map:", url_path="map"),
    st.Page("app_pages/events.py", title="Events", icon=":material/table_rows:", url_path="events"),
    st.Page("app_pages/missiles.py", title="Missile tests", icon=":material/rocket_launch:", url_path="missiles"),
    st.Page("app_pages/claimants.py", title="Claimants", icon=":material/record_voice_over:", url_path="claimants"),
    st.Page("app_pages/changes.py", title="Changes", icon=":material/difference:", url_path="changes"),
    st.Page("app_pages/data.py", title="Data", icon=":material/database:", url_path="data"),
]
if actor.may("record"):  # viewers see no desk controls (the store refuses their writes in any case)
    pages.insert(
        4, st.Page("app_pages/record.py", title="Record a claim", icon=":material/edit_note:", url_path="record")
    )
current = st.navigation([*pages, overview_alias])
if current is overview_alias:
    # Before the sidebar, whose widgets bind to the URL: the filter travels on to "/" unchanged.
    st.switch_page(overview, query_params={key: st.query_params.get_all(key) for key in st.query_params})

as_of = asof.render_as_of()  # first: the filter's date bounds come from the log as it stood then
events = data.events_as_of_or_stop(as_of)  # a database that cannot be read: a plain message, every page
event_filter = sidebar.render_filter(events)
signin.render_identity(actor)
# The page's writes run as this actor: the store checks the role before every write.
with access.acting_as(actor), page.sharing(events, event_filter, as_of):
    current.run()
