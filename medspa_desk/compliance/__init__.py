"""Compliance: what a manager shows an auditor (right of access, reports, evidence)."""
