"""explorer: browse SaaS REST APIs point-and-click, fetch every page, export to CSV."""

__version__ = "0.1.0"
