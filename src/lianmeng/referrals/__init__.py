"""Referrals (引流): who sent whom (attribution), arrivals and conversions, feedback, the funnel, the flow matrix
and leaderboards."""
