"""Who may see and change what. Every repository asks this package; nothing else decides scope."""

from lianmeng.tenancy.principal import Principal

__all__ = ["Principal"]
