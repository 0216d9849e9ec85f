"""Background work: the scheduler (polling, calendar-list refresh, pruning), Google push
channels (create, renew, stop), incoming notifications, the coalescing queue and backoff."""
