"""One module per CLI command group; each parses options and calls the library."""
