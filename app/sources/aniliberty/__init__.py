"""AniLiberty API v1 (AniLibria's current API): `AniLibertyClient` speaks it natively,
`V2CompatClient` offers it under the v2 client's method names and domain models."""
