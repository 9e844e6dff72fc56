"""pytest plugin: the ``creatify_sandbox`` fixture (filled in by the sandbox work)."""
