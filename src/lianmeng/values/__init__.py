"""The member value model (会员价值模型): recency, frequency and monetary per merchant and alliance-wide, RFM scores
and classes, and the alliance's nine-star ladder."""
