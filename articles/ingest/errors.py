class RejectedArticle(ValueError):
    """A release file that cannot be imported; the message says why, for the person who sent it."""
