"""Services between screens and sources/store; never imports Textual."""
