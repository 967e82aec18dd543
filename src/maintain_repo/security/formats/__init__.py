"""One module per report format, each with `parse(data) -> Report` (see `security.observation`)."""
