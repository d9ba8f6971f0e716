"""Helpers for the IMAP tests and benchmark: a real dovecot server in a throwaway folder."""
