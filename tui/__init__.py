"""custsync's faces: the Textual app for operators and the `custsync` CLI (presentation only)."""
