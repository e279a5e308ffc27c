"""Orders (消费) at a store: payment split across cash/card, alliance points and stored value; refunds; top-ups."""
