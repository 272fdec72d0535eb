"""Webhooks: a stored search's new releases POSTed, signed, to a newsroom's system (issue 17)."""
