"""A segment's terms and postings written to its files as Whoosh 3's codec writes them, byte for byte.

Whoosh's field writer takes a term's postings one call at a time (`start_term`, `add` for
each posting, `finish_term`), each call through its postings writer's checks, statistics and
block buffer, and asks the files where they are (`tell()`) for every term and block: about
half of writing a segment, most of it per term, and a segment of a few hundred releases has
tens of thousands of terms (each pair of neighbouring words is one). Here a field's terms are
written in one loop that keeps the offsets itself, joins a run of terms' bytes before writing
them, and computes each block's statistics over its lists in one pass.

What is written is what Whoosh writes, to the byte (tests/test_index_writing.py compares
the files): blocks of `blocklimit` postings, each a pickled header and a zlib-compressed
pickle of the document gaps, weights and values (Whoosh compresses every block, even a
posting of a few bytes), then each term's `W3TermInfo` in the ordered hash of terms. These are
internals of the Whoosh pinned in requirements.txt (`W3FieldWriter`'s `_postfile`, `_tindex`,
`_fieldid`, `_postwriter`; the hash writer's `buckets`, `hashfn`, `index` and `lastkey`).
"""

import zlib
from array import array
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import _lengths
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

# Bytes gathered before they are written: a few writes a field, memory kept small.
WRITE_BYTES = 1 << 20
_NO_ID = 0xFFFFFFFF


def write_field(fieldwriter, fieldname: str, field, terms, length_of: list[int]) -> None:
    """Write a field's terms, each given with its postings as (docnum, weight, value bytes), in
    order of term, as `fieldwriter.start_term`, `add` and `finish_term` would for each."""
    fieldwriter.start_field(fieldname, field)
    postings_writer = fieldwriter._postwriter
    block_limit, compression = postings_writer._blocklimit, postings_writer._compression
    fixed_size = field.format.fixed_value_size()
    prefix = pack_ushort(fieldwriter._fieldid)
    postings_file, terms_table = fieldwriter._postfile, fieldwriter._tindex
    terms_file = terms_table.dbfile
    buckets, hash_of, key_places = terms_table.buckets, terms_table.hashfn, terms_table.index
    postings_at, terms_at = postings_file.tell(), terms_file.tell()
    postings_out, terms_out, pending = [], [], 0
    last_key = terms_table.lastkey
    for term, postings in terms:
        start = postings_at
        blocks, term_info = _blocks(postings, length_of, block_limit, compression, fixed_size)
        postings_out.append(WHOOSH3_HEADER_MAGIC)
        postings_at += len(WHOOSH3_HEADER_MAGIC)
        for block in blocks:
            postings_out.append(block)
            postings_at += len(block)
        key = prefix + term
        if key <= last_key:
            raise ValueError(f"Keys must increase: {last_key!r}..{key!r}")
        value = _term_info_bytes(term_info, start, postings_at - start)
        # OrderedHashWriter.add: the key's place, then its lengths, key and value.
        key_places.append(terms_at)
        hashed = hash_of(key)
        buckets[hashed & 255].append((hashed, terms_at))
        record = _lengths.pack(len(key), len(value)) + key + value
        terms_out.append(record)
        terms_at += len(record)
        last_key = key
        pending += postings_at - start + len(record)
        if pending > WRITE_BYTES:
            _write(postings_file, postings_out)
            _write(terms_file, terms_out)
            pending = 0
    _write(postings_file, postings_out)
    _write(terms_file, terms_out)
    terms_table.lastkey = last_key
    fieldwriter.finish_field()


def _write(file, chunks: list[bytes]) -> None:
    file.write(b"".join(chunks))
    chunks.clear()


def _blocks(postings, length_of, block_limit: int, compression: int, fixed_size):
    """A term's blocks (length, header, data, as `W3PostingsWriter._write_block` writes each)
    and its W3TermInfo."""
    info = W3TermInfo()
    blocks = []
    last = len(postings) - 1
    for first in range(0, len(postings), block_limit):
        block = postings[first : first + block_limit]
        ids = [docnum for docnum, _, _ in block]
        raw_weights = [weight for _, weight, _ in block]
        weights = array("f", raw_weights)  # Whoosh keeps weights as 32-bit floats
        lengths = [length for length in (length_of[docnum] for docnum in ids) if length]
        min_length = min(lengths) if lengths else None
        max_length = max(lengths) if lengths else 0
        max_weight = max(0, *raw_weights)
        _add_block(info, weights, len(ids), min_length, max_length, max_weight, ids)
        gaps = tuple(docnum - before for docnum, before in zip(ids, [0, *ids[:-1]], strict=True))
        data = dumps((gaps, _mini_weights(weights), _mini_values(block, fixed_size)), 2)
        data = zlib.compress(data, compression) if compression else data
        header = dumps(
            (
                len(ids),
                ids[-1],
                max_weight,
                compression,
                length_to_byte(min_length),
                length_to_byte(max_length),
            ),
            2,
        )
        size = len(header) + len(data)
        blocks.append(pack_int(-size if first + block_limit > last else size) + header + data)
    return blocks, info


def _add_block(info, weights, count, min_length, max_length, max_weight, ids) -> None:
    """`W3TermInfo.add_block` for a block of these statistics."""
    info._weight += sum(weights)
    info._df += count
    info._minlength = min_length if info._minlength is None else min(info._minlength, min_length)
    info._maxlength = max(info._maxlength, max_length)
    info._maxweight = max(info._maxweight, max_weight)
    if info._minid is None:
        info._minid = ids[0]
    info._maxid = ids[-1]


def _mini_weights(weights: array):
    """`W3PostingsWriter._mini_weights`: none if all are 1, one if all are the same, else each."""
    if all(weight == 1.0 for weight in weights):
        return None
    if all(weight == weights[0] for weight in weights):
        return weights[0]
    return tuple(weights)


def _mini_values(block, fixed_size):
    """`W3PostingsWriter._mini_values`, of the values that are not empty (Whoosh keeps only those)."""
    values = [value for _, _, value in block if value]
    if fixed_size is None or fixed_size < 0:
        return tuple(values)
    if fixed_size == 0:
        return None
    return b"".join(values)


def _term_info_bytes(info, offset: int, length: int) -> bytes:
    """`W3TermInfo.to_bytes` of a term whose postings are at `offset` (never inlined: Whoosh's
    codec inlines fewer than one posting)."""
    return (
        W3TermInfo._struct.pack(
            False,
            info._weight,
            info._df,
            0 if info._minlength is None else length_to_byte(info._minlength),
            length_to_byte(info._maxlength),
            info._maxweight,
            _NO_ID if info._minid is None else info._minid,
            _NO_ID if info._maxid is None else info._maxid,
        )
        + pack_long(offset)
        + pack_int(length)
    )
