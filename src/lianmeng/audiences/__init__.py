"""Audiences (人群): a merchant's own members selected by rules over value, class, stars, tags, recency and consent."""
