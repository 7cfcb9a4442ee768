"""explorer: browse SaaS REST APIs point-and-click, fetch every page, export the records."""

__version__ = "1.0.0"  # the release CHANGELOG.md names last
