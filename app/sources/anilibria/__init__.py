"""The AniLibria v2 API client."""
