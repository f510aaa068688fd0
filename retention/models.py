"""Retention rules, due dates, legal holds and destruction certificates (to come).

Depends on records and sharing; neither imports retention.
"""
