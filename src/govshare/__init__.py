"""govshare: integrate and share government information systems (国办发〔2017〕39号)."""

__version__ = "0.1.0"
