"""PokerVOD: a poker video archive kept in order on the engine.

Block A (``pokervod.nas``) scans the NAS and parses file names, block B (``catalog``) holds
projects, seasons, events and episodes and matches titles to episodes, block C (``clips``)
keeps hand clips with their timecodes and tags, block D (``pokervod.sheets``) reads the
editors' Google Sheet and turns changed rows into ``sheets.row.changed`` events.
"""
