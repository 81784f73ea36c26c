"""Gmarket / Auction: the market connector, its preparer and its local contract server."""
