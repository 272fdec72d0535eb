"""The files a reader of an index generation reads: a test that damages them shows that it did."""

from pathlib import Path

from whoosh import index as whoosh_index


def what_readers_read(generation: Path) -> dict[Path, bytes]:
    """The latest table of contents and the files of the segments it lists, by path."""
    ix = whoosh_index.open_dir(str(generation))
    toc = whoosh_index.TOC.read(ix.storage, ix.indexname)
    live = tuple(f"{segment.segment_id()}." for segment in toc.segments)  # MAIN_<id>.trm, ...
    table_of_contents = f"_{ix.indexname}_{toc.generation}.toc"
    read = {
        path: path.read_bytes()
        for path in Path(generation).iterdir()
        if path.name.startswith(live) or path.name == table_of_contents
    }
    assert len(read) > len(live), f"the segments' files are not in {generation}"
    return read


def what_they_hold_now(read: dict[Path, bytes]) -> dict[Path, bytes | None]:
    """The same paths' bytes now (None where a file is gone), to compare with what was read."""
    return {path: path.read_bytes() if path.exists() else None for path in read}
