"""Local servers that implement each API of ../shared/specs on loopback (tests, --demo)."""
