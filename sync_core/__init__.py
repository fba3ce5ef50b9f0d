"""custsync's core: the sync rules and the engine. Talks to NetSuite and Stripe over HTTP only."""
