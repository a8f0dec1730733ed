"""Passwords, second factor and tokens."""
