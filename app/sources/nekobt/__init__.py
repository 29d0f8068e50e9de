"""nekoBT: the typed async client of its JSON API v1, its models and its errors."""

from app.sources.nekobt.client import NekoBtClient, mask_passkey
from app.sources.nekobt.errors import (
    AnimeToshoError,
    NekoBtAuthError,
    NekoBtValidationError,
    ValidateError,
)

__all__ = [
    "AnimeToshoError",
    "NekoBtAuthError",
    "NekoBtClient",
    "NekoBtValidationError",
    "ValidateError",
    "mask_passkey",
]
