"""Profile completeness (资料完整度): scores, the staff edit flow and its leaderboard."""
