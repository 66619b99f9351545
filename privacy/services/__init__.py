"""Writes of the privacy app (see the modules): erasure, records, requests."""

from privacy.services.erasure import Deletion, deletions_honour, erase_post
from privacy.services.records import processing_record_get, processing_record_update
from privacy.services.requests import (
    subject_request_approve,
    subject_request_complete,
    subject_request_find,
    subject_request_open,
    subject_request_refuse,
)

__all__ = [
    "Deletion",
    "deletions_honour",
    "erase_post",
    "processing_record_get",
    "processing_record_update",
    "subject_request_approve",
    "subject_request_complete",
    "subject_request_find",
    "subject_request_open",
    "subject_request_refuse",
]
