"""Operations: metrics and the status report shared by the CLI and the web pages."""
