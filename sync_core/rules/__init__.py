"""The rules' room: the catalogue, decide(), the mapping (R9) and match keys. Pure: no I/O."""
