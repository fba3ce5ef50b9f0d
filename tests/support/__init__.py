"""Helpers shared by the test modules, imported as `tests.support.<module>` (never test module from test module)."""
