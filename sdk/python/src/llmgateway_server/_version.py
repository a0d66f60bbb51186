"""The SDK version, sent in the User-Agent."""

VERSION = "0.1.0"
