"""E-mail alerts for any search: subscribing, matching new releases, and sending, exactly once.

- subscribing.py: request, confirm, manage and unsubscribe (the services the views call)
- tokens.py: the signed tokens in the e-mails' links
- matching.py: which subscriptions a batch of newly indexed releases matches (the Alerts owed)
- sending.py: building each e-mail and sending it exactly once, with retries
- digests.py: one e-mail per address listing all its searches' new releases
- throttling.py: how many confirmation e-mails an address or a client may cause
- work.py: the background tasks, and what the task worker's heartbeat queues

Webhooks would take their matches from matching.py (`owed_matches`) as e-mails do.
"""
