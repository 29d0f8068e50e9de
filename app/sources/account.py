"""What logging in by code hands around, whichever client asked: `LoginCode`.

Login by code (AniLiberty API v1's `/accounts/otp/*`) keeps the password out of the terminal:
the app shows a code, the user confirms it on the site (`LoginCode.page`) wherever they are
signed in, and the app asks until the code is confirmed or expires.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["LoginCode"]


class LoginCode(NamedTuple):
    """A login code for this device, waiting to be confirmed by the user on `page`."""

    code: str
    """What the user types on the site (digits; leading zeros matter)."""
    device_id: str
    """The device the code was asked for; the login is asked with it."""
    page: str
    """The site's page where the code is confirmed."""
    lifetime: float | None
    """Seconds the code stays valid, counted from the answer (`remaining_time`)."""
    expires_at: float | None
    """Unix seconds the server says it expires at (`expired_at`)."""

    def deadline(self, received_at: float) -> float | None:
        """When the code expires on the clock that read `received_at` as the answer came in.

        The lifetime counts from the answer, so it holds whatever the server's clock says;
        the absolute time stands in only when the server gave no lifetime. None: unknown.
        """
        if self.lifetime is not None:
            return received_at + self.lifetime
        return self.expires_at
