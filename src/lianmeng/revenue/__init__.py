"""How the operator earns: joining and annual fees, the platform commission, and its revenue by source and month
(docs/operator-revenue.md)."""
