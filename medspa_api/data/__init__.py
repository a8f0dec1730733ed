"""Data functions (keyword-only), each running inside a caller's transaction."""
