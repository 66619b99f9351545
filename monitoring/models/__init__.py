"""Monitoring's models: what comes in (ingest) and what volunteers do with it (triage)."""

from monitoring.models.ingest import (
    Category,
    ClassifierState,
    Cluster,
    ClusterBand,
    IngestBatch,
    Place,
    Platform,
    Post,
    Rejection,
    Source,
)
from monitoring.models.triage import Escalation, TriageDecision

__all__ = [
    "Category",
    "ClassifierState",
    "Cluster",
    "ClusterBand",
    "Escalation",
    "IngestBatch",
    "Place",
    "Platform",
    "Post",
    "Rejection",
    "Source",
    "TriageDecision",
]
