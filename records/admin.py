"""Children are kept through the service's own pages, where access is checked and logged.

Nothing from records is registered in Django's admin site: the admin is for user management.
"""
