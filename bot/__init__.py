"""Passerelle: a community bot for Discord and Matrix."""

__version__ = "0.1.0"
