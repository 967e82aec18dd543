"""Plain values: record models, lifecycles, settings, findings and reports."""
