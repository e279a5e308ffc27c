"""Distance decay: how conversion falls with the distance between the referring and the receiving store."""
