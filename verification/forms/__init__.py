"""Forms of the verification pages (cases; rumours in rumours.py)."""
