"""dealtape: a CRM derived from what was actually said."""

__version__ = "0.1.0"
