"""De-identified segment reports (脱敏人群报告) a merchant shares with a partner: aggregates of consenting members
only, every cell under k suppressed, each share audited."""
