"""The run pages: overview, batches and their grid, trigger, events."""
