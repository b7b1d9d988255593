"""Spreadsheets the platform hands to people: the site's exports, the porteurs' reports."""
