"""Pure ingestion: bytes and text in, parsed articles out. Nothing here touches the database."""
