"""Starts the mocks as real servers, loads scenario files and replays them through sync_core."""
