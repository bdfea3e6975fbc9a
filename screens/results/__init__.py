"""The Results area, one module per view; ``area.py`` holds the coordinator, :class:`ResultsArea`."""
