"""Parsers for source shopping malls: saved HTML in, ``MallProduct`` / ``ListingPage`` out."""
