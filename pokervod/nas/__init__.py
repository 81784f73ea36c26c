"""Block A, the NAS inventory: scan roots, parse file names, probe media, report changes."""
