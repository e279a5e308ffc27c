"""Notifications: the console notification centre for staff and members' messages through the outbox."""
