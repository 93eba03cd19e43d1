"""Yingji (应急): emergency-management platform for Chinese county and city bureaus."""

__version__ = "0.1.0"
