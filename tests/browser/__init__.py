"""Browser tests: the built front end driven in Chromium against a real demo server."""
