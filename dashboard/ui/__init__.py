"""Streamlit pieces every page shares: cached loaders, the sidebar filter, downloads, safe text."""
