"""Recruiting (招募): join links, applications proved by phone, review, recruiter credit."""
