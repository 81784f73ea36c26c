"""Data files shipped with the ai app (the fashion glossary)."""
