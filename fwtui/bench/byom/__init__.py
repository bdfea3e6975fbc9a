"""Benchmarking a model the user already has (``fwtui bench --model PATH``).

``model_file`` checks the file in the parent (kind, content hash, targets) without importing a framework;
``run`` runs each target in a child process (``child``, which loads through ``loaders``) and cross-checks
the outputs of the engines against each other, since a user's model has no NumPy reference.
"""
