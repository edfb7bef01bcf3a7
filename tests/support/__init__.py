"""Shared test helpers: generated corpora, local servers, store and web fixtures."""
