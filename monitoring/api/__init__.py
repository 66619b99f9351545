"""The monitoring API (routes in monitoring/api_urls.py): posts and sources."""
