"""The Hardware area: the machine, what each framework sees on it, peaks and live use (``area.py``)."""
