"""Single-level member distribution (分销): members share an offer with their own link and earn on a friend's first
qualifying purchase (docs/distribution.md)."""
