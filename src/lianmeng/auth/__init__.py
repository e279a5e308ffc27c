"""Logins, tokens, API keys and members' one-time codes."""
