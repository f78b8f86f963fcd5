"""Screens of the hcchat app."""
