"""The child record's API (Django REST framework): see records/api/views.py."""
