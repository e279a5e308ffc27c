"""Customer overlap with a prospect outside the alliance (潜在伙伴客户重合度), never exposing a customer: the prospect
hashes its customers' phones on its own machine with an invitation's salt, uploads only keyed hashes, and everyone
sees noised counts and shares, suppressed below k (docs/prospect-overlap.md)."""
