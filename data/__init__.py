"""The data the program reads at run time, installed as the package ``dashboard.resources``.

This folder stays the one copy in git; ``pyproject.toml`` maps it onto ``dashboard.resources`` (a
wheel carries it, an editable install points at it) and the code finds its files through
``importlib.resources`` (``dashboard/events/locations.py``). This file makes it a regular package:
an editable install's import hook does not find a mapped folder without one.
"""
