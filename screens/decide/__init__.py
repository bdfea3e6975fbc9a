"""The Decide area: the questions and the recommendation that updates with every answer (``area.py``)."""
