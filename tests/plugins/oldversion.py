"""A plugin written for an old portal version."""

PORTAL_VERSIONS = "<0.1"
