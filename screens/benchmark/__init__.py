"""The Benchmark area: the selection form, the live run view and the results of the queue (``area.py``)."""
