"""Vehicles of members: plates and VINs, stored like phones (encrypted, keyed hash, masked copy)."""
