"""Customer overlap between merchants, counted without ever exposing a customer."""
