"""Recipient organisations, sharing agreements and the disclosure log (to come).

Depends on records; records never imports sharing.
"""
