"""Backups: one file holding a SQLite data dir's database (a consistent snapshot taken with
SQLite's online backup API while the server keeps serving), its stored files (packages,
uploads) and its secret, with a manifest of counts and checksums.

The file is a plain tar, the manifest its last member: a copy cut short has no manifest and
is refused. The data dir's secret (which opens the sealed API keys of sync targets and
webhooks' signing secrets) is encrypted with a key derived from a passphrase the operator
chooses, and the manifest is sealed (HMAC) with another key derived from it, so a backup that
was altered, even consistently, is refused. The records themselves are not encrypted: keep
the file where the learners' records may be kept.

Core, not a domain: it reads the database as tables and the files as files, and knows none
of the domains' models."""
