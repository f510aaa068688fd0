"""HTML views of the child record, one module per area; records/urls.py routes to them."""
