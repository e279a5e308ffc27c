"""Partner discovery (seed 000 §2): candidates, the five-standard scorecard, recommendations."""
