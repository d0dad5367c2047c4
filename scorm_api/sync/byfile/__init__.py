"""Sync by file: what a sync would send, written as one signed file (`export`), and applied on
the other appliance (`importer`) with the HTTP sync's guarantees, for places without a network.

`keys` is this instance's Ed25519 key, `bundle` the file's format, `local` the receiving
appliance's own API as a sync target."""
