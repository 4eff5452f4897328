"""Everything that speaks Gong: the HTTP client and the JSON -> record parser."""
