"""The one Stripe API version the mock implements (responses, errors and events' api_version)."""

# What the installed stripe-python (16) pins. https://docs.stripe.com/api/versioning
API_VERSION = "2026-10-28.endive"
