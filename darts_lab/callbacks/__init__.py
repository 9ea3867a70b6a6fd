"""Plug-in callbacks of a search (conf/callbacks/, any number; the oracle of conf/oracle/ is one
too); see base.py."""
