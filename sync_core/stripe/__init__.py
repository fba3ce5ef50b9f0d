"""The Stripe side: the gateway (the official stripe package), listing, lookups, the stored listing."""
