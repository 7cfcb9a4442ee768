"""A results tab: query builder, paged table, detail panel, related records and CSV export."""
