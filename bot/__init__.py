"""Netral: answers Indonesian civil servants' questions on political neutrality."""

__version__ = "0.1.0"
