"""Everything that imports whoosh lives in this package, so the engine can be swapped."""
