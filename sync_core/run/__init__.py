"""A sync run's steps: read, index Stripe, plan, execute; the journal, the run's target, its turns."""
