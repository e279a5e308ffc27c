"""The alliance: the operator's tenant (盟主/总部)."""
