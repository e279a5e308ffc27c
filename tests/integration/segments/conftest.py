from tests.integration.audiences.conftest import known

__all__ = ["known"]
