"""XSS corpus through every text field that is rendered.

Every Char/Text/JSON field (and array of them) of our models is declared below:
RENDERED (with the views that show it), NOT_RENDERED (why) or CONSTRAINED (why it
cannot carry a payload). A new field without a declaration fails
`test_every_text_field_is_declared`, as a new URL fails the URL coverage test.

The world: the demo (seed_demo) plus one generic row in every empty model plus a
signal and a published situation report; then every poisonable field of every row
is overwritten with tagged payloads from corpus/xss.txt (URL fields with
corpus/xss_urls.txt), straight in the database, as hostile platforms, feeds, API
clients or users would get them in. Each role (and an anonymous visitor) then walks
every page, fragment, JSON API and GeoJSON it can reach by following links. Each
HTML answer is parsed with lxml: no element, attribute or URL made by a payload
may appear (see xss_support.injections). The browser half (map popups built in
static/js/opmap.js, CSP) is in test_xss_browser.py.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from tests.security_corpora import xss_support as xs

# the crawl fixture builds its world in the test database: it must be set up
pytestmark = pytest.mark.django_db

ROLES = ("coordinateur", "chef-equipe", "benevole", "liaison", "observateur", "admin")

# --- the registry ------------------------------------------------------------------
# field -> views (URL names) where its payloads must be seen. At least one of them
# must actually show the field's tag during the crawl (so a declaration cannot lie).
RENDERED: dict[str, set[str]] = {
    "accounts.User.username": {
        "accounts:profile",
        "activations:activation-members",
        "activations:log-export",
        "activations:organisation-detail",
    },
    "accounts.User.first_name": {
        "accounts:api-tokens",
        "accounts:notifications",
        "accounts:password-change",
        "accounts:profile",
        "accounts:two-factor",
        "accounts:two-factor-setup",
        "activations:activation-create",
        "activations:activation-detail",
        "activations:activation-edit",
        "activations:activation-list",
        "activations:activation-members",
        "activations:agreement-contact-edit",
        "activations:agreement-create",
        "activations:agreement-detail",
        "activations:agreement-edit",
        "activations:agreement-list",
        "activations:coverage",
        "activations:log",
        "activations:my-shifts",
        "activations:organisation-contact-edit",
        "activations:organisation-create",
        "activations:organisation-detail",
        "activations:organisation-edit",
        "activations:organisation-list",
        "activations:roster",
        "activations:roster-assignment-check-out",
        "activations:roster-shift-edit",
        "activations:volunteer-profile",
        "campaigns:campaign-create",
        "campaigns:campaign-detail",
        "campaigns:list",
        "campaigns:message-create",
        "closure:after-action",
        "dashboards:dashboard",
        "home",
        "mapping:export-list",
        "mapping:incident-detail",
        "mapping:incident-list",
        "mapping:layer-detail",
        "mapping:layer-list",
        "mapping:map",
        "monitoring:escalation-detail",
        "monitoring:escalation-list",
        "monitoring:post-list",
        "monitoring:source-create",
        "monitoring:source-edit",
        "monitoring:source-list",
        "monitoring:triage",
        "monitoring:triage-item",
        "onboarding:home",
        "onboarding:my-training",
        "onboarding:readiness",
        "onboarding:training",
        "onboarding:training-edit",
        "portal:activation",
        "portal:home",
        "portal:rfi-detail",
        "portal:rfi-list",
        "publichelp:entry-detail",
        "publichelp:entry-new",
        "publichelp:home",
        "publichelp:replies",
        "publichelp:replies-manage",
        "publichelp:reply-new",
        "relay:message-detail",
        "relay:message-list",
        "relay:outbox",
        "relay:settings",
        "reports:report-detail",
        "reports:report-list",
        "search:search",
        "signals:list",
        "verification:case-create",
        "verification:case-detail",
        "verification:case-list",
        "verification:rumour-create",
        "verification:rumour-detail",
        "verification:rumour-list",
    },
    "accounts.User.last_name": {
        "accounts:api-tokens",
        "accounts:notifications",
        "accounts:password-change",
        "accounts:profile",
        "accounts:two-factor",
        "accounts:two-factor-setup",
        "activations:activation-create",
        "activations:activation-detail",
        "activations:activation-edit",
        "activations:activation-list",
        "activations:activation-members",
        "activations:agreement-contact-edit",
        "activations:agreement-create",
        "activations:agreement-detail",
        "activations:agreement-edit",
        "activations:agreement-list",
        "activations:coverage",
        "activations:log",
        "activations:my-shifts",
        "activations:organisation-contact-edit",
        "activations:organisation-create",
        "activations:organisation-detail",
        "activations:organisation-edit",
        "activations:organisation-list",
        "activations:roster",
        "activations:roster-assignment-check-out",
        "activations:roster-shift-edit",
        "activations:volunteer-profile",
        "campaigns:campaign-create",
        "campaigns:campaign-detail",
        "campaigns:list",
        "campaigns:message-create",
        "closure:after-action",
        "dashboards:dashboard",
        "home",
        "mapping:export-list",
        "mapping:incident-detail",
        "mapping:incident-list",
        "mapping:layer-detail",
        "mapping:layer-list",
        "mapping:map",
        "monitoring:escalation-detail",
        "monitoring:escalation-list",
        "monitoring:post-list",
        "monitoring:source-create",
        "monitoring:source-edit",
        "monitoring:source-list",
        "monitoring:triage",
        "monitoring:triage-item",
        "onboarding:home",
        "onboarding:my-training",
        "onboarding:readiness",
        "onboarding:training",
        "onboarding:training-edit",
        "portal:activation",
        "portal:home",
        "portal:rfi-detail",
        "portal:rfi-list",
        "publichelp:entry-detail",
        "publichelp:entry-new",
        "publichelp:home",
        "publichelp:replies",
        "publichelp:replies-manage",
        "publichelp:reply-new",
        "relay:message-detail",
        "relay:message-list",
        "relay:outbox",
        "relay:settings",
        "reports:report-detail",
        "reports:report-list",
        "search:search",
        "signals:list",
        "verification:case-create",
        "verification:case-detail",
        "verification:case-list",
        "verification:rumour-create",
        "verification:rumour-detail",
        "verification:rumour-list",
    },
    "accounts.User.email": {"accounts:profile"},
    "accounts.User.phone": {"accounts:profile"},
    "accounts.Notification.title": {"accounts:notifications"},
    "accounts.Notification.body": {"accounts:notifications"},
    "accounts.ApiToken.name": {"accounts:api-tokens"},
    "activations.Organisation.name": {
        "activations:agreement-detail",
        "activations:organisation-contact-edit",
        "activations:organisation-detail",
        "activations:organisation-edit",
        "activations:organisation-list",
        "activations:volunteer-profile",
        "onboarding:apply",
        "onboarding:home",
        "onboarding:readiness",
        "onboarding:training",
        "onboarding:training-edit",
    },
    "activations.Organisation.short_name": {
        "activations:activation-create",
        "activations:activation-detail",
        "activations:activation-edit",
        "activations:activation-list",
        "activations:activation-members",
        "activations:agreement-create",
        "activations:agreement-detail",
        "activations:agreement-edit",
        "activations:agreement-list",
        "activations:coverage",
        "activations:log",
        "activations:organisation-create",
        "activations:organisation-detail",
        "activations:organisation-edit",
        "activations:organisation-list",
        "activations:roster",
        "activations:roster-assignment-check-out",
        "activations:roster-shift-edit",
        "campaigns:campaign-create",
        "campaigns:campaign-detail",
        "campaigns:list",
        "campaigns:message-create",
        "closure:after-action",
        "dashboards:dashboard",
        "home",
        "mapping:export-list",
        "mapping:incident-detail",
        "mapping:incident-list",
        "mapping:layer-detail",
        "mapping:layer-list",
        "mapping:map",
        "monitoring:escalation-detail",
        "monitoring:escalation-list",
        "monitoring:post-list",
        "monitoring:source-create",
        "monitoring:source-edit",
        "monitoring:source-list",
        "monitoring:triage",
        "monitoring:triage-item",
        "onboarding:my-training",
        "portal:activation",
        "portal:home",
        "portal:rfi-detail",
        "portal:rfi-list",
        "publichelp:entry-detail",
        "publichelp:entry-new",
        "publichelp:home",
        "publichelp:replies",
        "publichelp:replies-manage",
        "publichelp:reply-new",
        "relay:message-detail",
        "relay:message-list",
        "relay:outbox",
        "relay:settings",
        "reports:report-detail",
        "reports:report-list",
        "search:search",
        "signals:list",
        "verification:case-create",
        "verification:case-detail",
        "verification:case-list",
        "verification:rumour-create",
        "verification:rumour-detail",
        "verification:rumour-list",
    },
    "activations.Organisation.description": {
        "activations:organisation-detail",
        "activations:organisation-edit",
    },
    "activations.Organisation.email": {
        "activations:organisation-detail",
        "activations:organisation-edit",
    },
    "activations.Organisation.phone": {
        "activations:organisation-detail",
        "activations:organisation-edit",
    },
    "activations.Organisation.website": {
        "activations:organisation-detail",
        "activations:organisation-edit",
    },
    "activations.Organisation.address": {
        "activations:organisation-detail",
        "activations:organisation-edit",
    },
    "activations.OrganisationMember.title": {
        "activations:organisation-detail",
        "activations:volunteer-profile",
    },
    "activations.Contact.name": {
        "activations:agreement-contact-edit",
        "activations:agreement-detail",
        "activations:organisation-contact-edit",
        "activations:organisation-detail",
    },
    "activations.Contact.role": {
        "activations:agreement-contact-edit",
        "activations:agreement-detail",
        "activations:organisation-contact-edit",
        "activations:organisation-detail",
    },
    "activations.Contact.phone": {
        "activations:agreement-contact-edit",
        "activations:agreement-detail",
        "activations:organisation-contact-edit",
        "activations:organisation-detail",
    },
    "activations.Contact.email": {
        "activations:agreement-contact-edit",
        "activations:agreement-detail",
        "activations:organisation-contact-edit",
        "activations:organisation-detail",
    },
    "activations.Contact.hours": {
        "activations:agreement-contact-edit",
        "activations:agreement-detail",
        "activations:organisation-contact-edit",
        "activations:organisation-detail",
    },
    "activations.Agreement.reference": {
        "activations:activation-create",
        "activations:activation-detail",
        "activations:activation-edit",
        "activations:activation-members",
        "activations:agreement-contact-edit",
        "activations:agreement-detail",
        "activations:agreement-edit",
        "activations:agreement-list",
        "activations:coverage",
        "activations:log",
        "activations:organisation-detail",
        "activations:roster",
        "activations:roster-assignment-check-out",
        "activations:roster-shift-edit",
        "campaigns:campaign-create",
        "campaigns:campaign-detail",
        "closure:after-action",
        "dashboards:dashboard",
        "home",
        "mapping:export-list",
        "mapping:incident-detail",
        "mapping:incident-list",
        "mapping:layer-detail",
        "mapping:layer-list",
        "mapping:map",
        "monitoring:escalation-detail",
        "monitoring:escalation-list",
        "monitoring:post-list",
        "monitoring:source-create",
        "monitoring:source-edit",
        "monitoring:source-list",
        "monitoring:triage",
        "monitoring:triage-item",
        "portal:rfi-detail",
        "portal:rfi-list",
        "publichelp:entry-detail",
        "publichelp:entry-new",
        "publichelp:home",
        "publichelp:replies",
        "publichelp:replies-manage",
        "publichelp:reply-new",
        "relay:message-detail",
        "relay:message-list",
        "relay:outbox",
        "relay:settings",
        "reports:report-detail",
        "reports:report-list",
        "search:search",
        "signals:list",
        "verification:case-create",
        "verification:case-detail",
        "verification:case-list",
        "verification:rumour-create",
        "verification:rumour-detail",
        "verification:rumour-list",
    },
    "activations.Agreement.title": {
        "activations:agreement-detail",
        "activations:agreement-edit",
        "activations:agreement-list",
    },
    "activations.Agreement.activation_procedure": {
        "activations:agreement-detail",
        "activations:agreement-edit",
    },
    "activations.Agreement.notes": {
        "activations:agreement-detail",
        "activations:agreement-edit",
    },
    "activations.Activation.title": {
        "accounts:api-tokens",
        "accounts:notifications",
        "activations:activation-detail",
        "activations:activation-edit",
        "activations:activation-list",
        "activations:activation-members",
        "activations:agreement-detail",
        "activations:coverage",
        "activations:log",
        "activations:my-shifts",
        "activations:roster",
        "activations:roster-assignment-check-out",
        "activations:roster-shift-edit",
        "closure:after-action",
        "dashboards:dashboard",
        "home",
        "mapping:export-list",
        "mapping:incident-detail",
        "mapping:incident-list",
        "mapping:layer-detail",
        "mapping:layer-list",
        "mapping:map",
        "monitoring:escalation-detail",
        "monitoring:escalation-list",
        "monitoring:post-list",
        "monitoring:source-create",
        "monitoring:source-edit",
        "monitoring:source-list",
        "monitoring:triage",
        "monitoring:triage-item",
        "onboarding:my-training",
        "onboarding:training",
        "onboarding:training-edit",
        "portal:activation",
        "portal:home",
        "portal:rfi-detail",
        "portal:rfi-list",
        "publichelp:entry-detail",
        "publichelp:entry-new",
        "publichelp:home",
        "publichelp:replies",
        "publichelp:replies-manage",
        "publichelp:reply-new",
        "relay:message-detail",
        "relay:message-list",
        "relay:outbox",
        "relay:settings",
        "reports:report-detail",
        "reports:report-json",
        "reports:report-list",
        "search:search",
        "signals:list",
        "verification:case-create",
        "verification:case-detail",
        "verification:case-list",
        "verification:rumour-create",
        "verification:rumour-detail",
        "verification:rumour-list",
    },
    "activations.Activation.requester_name": {
        "activations:activation-detail",
        "activations:activation-edit",
    },
    "activations.Activation.requester_contact": {
        "activations:activation-detail",
        "activations:activation-edit",
    },
    "activations.Activation.objectives": {
        "activations:activation-detail",
        "activations:activation-edit",
    },
    "activations.Activation.escalation_criteria": {
        "activations:activation-detail",
        "activations:activation-edit",
    },
    "activations.VolunteerProfile.availability_notes": {
        "activations:volunteer-profile"
    },
    "activations.Shift.title": {
        "activations:activation-detail",
        "activations:my-shifts",
        "activations:roster",
        "activations:roster-assignment-check-out",
        "activations:roster-shift-edit",
        "home",
    },
    "activations.Shift.notes": {"activations:roster", "activations:roster-shift-edit"},
    "activations.ShiftAssignment.handover_note": {"activations:my-shifts"},
    "activations.LogEntry.text": {
        "activations:activation-detail",
        "activations:log",
        "activations:log-export",
        "closure:after-action",
    },
    "monitoring.Source.name": {
        "monitoring:source-edit",
        "monitoring:source-list",
        "monitoring:triage",
    },
    "monitoring.Source.params": {"monitoring:source-list"},
    "monitoring.Source.credentials_env": {
        "monitoring:source-edit",
        "monitoring:source-list",
    },
    "monitoring.Post.url": {
        "monitoring:post-list",
        "monitoring:triage-item",
        "publichelp:entry-new",
        "relay:message-detail",
        "verification:rumour-detail",
    },
    "monitoring.Post.author_handle": {
        "monitoring:escalation-detail",
        "monitoring:post-list",
        "monitoring:triage-item",
        "verification:case-detail",
        "verification:rumour-detail",
    },
    "monitoring.Post.author_name": {
        "monitoring:escalation-detail",
        "monitoring:post-list",
        "monitoring:triage-item",
        "verification:case-detail",
        "verification:rumour-detail",
    },
    "monitoring.Post.text": {
        "monitoring:escalation-detail",
        "monitoring:post-list",
        "monitoring:triage",
        "monitoring:triage-item",
        "publichelp:entry-new",
        "signals:list",
        "verification:case-detail",
        "verification:rumour-detail",
    },
    "monitoring.Post.place_name": {
        "dashboards:dashboard",
        "monitoring:escalation-detail",
        "monitoring:post-list",
        "monitoring:triage-item",
        "publichelp:entry-new",
        "signals:list",
        "verification:case-detail",
    },
    "monitoring.Post.repost_of_external_id": {"monitoring:post-list"},
    "monitoring.Rejection.reason": {"monitoring:source-list"},
    "monitoring.TriageDecision.tags": {"monitoring:triage-item"},
    "monitoring.TriageDecision.note": {"monitoring:triage-item"},
    "monitoring.Escalation.summary": {
        "closure:after-action",
        "dashboards:dashboard",
        "monitoring:escalation-list",
        "portal:activation",
        "reports:report-detail",
        "reports:report-json",
    },
    "monitoring.Escalation.note": {
        "monitoring:escalation-detail",
        "monitoring:escalation-list",
    },
    "verification.Case.claim": {
        "activations:my-shifts",
        "activations:roster-assignment-check-out",
        "portal:rfi-detail",
        "verification:case-detail",
        "verification:case-list",
        "verification:rumour-detail",
    },
    "verification.Case.place_name": {"verification:case-detail"},
    "verification.Case.proposal_note": {"verification:case-detail"},
    "verification.Evidence.url": {"verification:case-detail"},
    "verification.Evidence.note": {"verification:case-detail"},
    "verification.CaseEvent.text": {"verification:case-detail"},
    "verification.Rumour.claim": {
        "portal:activation",
        "reports:report-detail",
        "reports:report-json",
        "verification:rumour-detail",
        "verification:rumour-list",
    },
    "verification.Rumour.notes": {"verification:rumour-detail"},
    "verification.Rumour.counter_message": {"verification:rumour-detail"},
    "verification.Rumour.counter_decision_note": {"verification:rumour-detail"},
    "verification.RumourEvent.text": {"verification:rumour-detail"},
    "verification.Relay.link": {"verification:rumour-detail"},
    "verification.Relay.note": {"verification:rumour-detail"},
    "mapping.Incident.title": {
        "mapping:incident-detail",
        "mapping:incident-list",
        "mapping:incidents-geojson",
    },
    "mapping.Incident.note": {"mapping:incident-detail"},
    "mapping.MapItem.place_name": {
        "mapping:incident-detail",
        "portal:rfi-detail",
        "reports:report-detail",
        "reports:report-json",
    },
    "mapping.MapItem.summary": {
        "mapping:incident-detail",
        "portal:rfi-detail",
        "reports:report-detail",
        "reports:report-json",
    },
    "mapping.ReferenceLayer.name": {
        "mapping:layer-detail",
        "mapping:layer-geojson",
        "mapping:layer-list",
        "mapping:map",
    },
    "mapping.ReferenceLayer.description": {
        "mapping:layer-detail",
        "mapping:layer-list",
    },
    "mapping.ReferenceLayer.source_name": {
        "mapping:layer-detail",
        "mapping:layer-list",
    },
    "mapping.ReferenceFeature.name": {"mapping:layer-detail", "mapping:layer-geojson"},
    "mapping.ReferenceFeature.properties": {
        "mapping:layer-detail",
        "mapping:layer-geojson",
    },
    "reports.SituationReport.change_note": {
        "reports:report-detail",
        "reports:report-json",
    },
    "reports.SituationReport.summary": {"reports:report-detail", "reports:report-json"},
    "portal.RequestForInformation.question": {
        "portal:activation",
        "portal:rfi-detail",
        "portal:rfi-list",
    },
    "relay.RelayChannel.hashtags": {"relay:settings"},
    "relay.AuthorityAccount.handle": {"relay:settings"},
    "relay.OfficialMessage.text": {"relay:message-detail", "relay:message-list"},
    "relay.OfficialMessage.url": {"relay:message-detail"},
    "relay.RelayTask.text": {"relay:message-detail"},
    "relay.RelayTask.last_error": {"relay:message-detail"},
    "publichelp.ReplyTemplate.title": {
        "publichelp:replies",
        "publichelp:replies-manage",
    },
    "publichelp.ReplyTemplate.body": {"publichelp:replies"},
    "publichelp.ReplyTemplate.resource_urls": {"publichelp:replies"},
    "publichelp.ReplyValues.official_url": {"publichelp:replies-manage"},
    "publichelp.ReplyValues.shelter": {"publichelp:replies-manage"},
    "publichelp.ReplyValues.authority": {"publichelp:replies-manage"},
    "publichelp.AidEntry.description": {"publichelp:entry-detail", "publichelp:home"},
    "publichelp.AidEntry.place_name": {"publichelp:entry-detail", "publichelp:home"},
    "publichelp.AidEntry.source_url": {"publichelp:entry-detail"},
    "search.SavedSearch.name": {"search:search"},
    "search.SavedSearch.query": {"search:search"},
    "signals.EmergingSignal.key": {"signals:list"},
    "campaigns.PreventionMessage.title": {
        "campaigns:campaign-create",
        "campaigns:campaign-detail",
        "campaigns:list",
    },
    "campaigns.PreventionMessage.text": {"campaigns:list"},
    "campaigns.PreventionMessage.link": {"campaigns:list"},
    "campaigns.Campaign.title": {"campaigns:campaign-detail", "campaigns:list"},
    "campaigns.ScheduledPost.last_error": {"campaigns:campaign-detail"},
    "campaigns.ScheduledPost.account": {"campaigns:campaign-detail"},
    "campaigns.ScheduledPost.published_url": {"campaigns:campaign-detail"},
    "onboarding.Invitation.email": {"onboarding:home"},
    "onboarding.Application.name": {"onboarding:home"},
    "onboarding.Application.email": {"onboarding:home"},
    "onboarding.Application.motivation": {"onboarding:home"},
    "onboarding.TrainingRecord.title": {
        "onboarding:my-training",
        "onboarding:training",
        "onboarding:training-edit",
    },
    "onboarding.TrainingRecord.trainer": {
        "onboarding:my-training",
        "onboarding:training",
        "onboarding:training-edit",
    },
    "onboarding.TrainingRecord.notes": {
        "onboarding:my-training",
        "onboarding:training-edit",
    },
    "audit.AuditEvent.actor_label": {"audit:activation-audit", "audit:team-audit"},
    "audit.AuditEvent.object_type": {"audit:activation-audit", "audit:team-audit"},
    "audit.AuditEvent.object_id": {"audit:activation-audit", "audit:team-audit"},
    "audit.AuditEvent.summary": {"audit:activation-audit", "audit:team-audit"},
    "audit.AuditEvent.request_id": {
        "audit:activation-audit-csv",
        "audit:team-audit-csv",
    },
    "privacy.ProcessingRecord.controller": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
    "privacy.ProcessingRecord.processors": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
    "privacy.ProcessingRecord.legal_basis": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
    "privacy.ProcessingRecord.purposes": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
    "privacy.ProcessingRecord.data_categories": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
    "privacy.ProcessingRecord.data_subjects": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
    "privacy.ProcessingRecord.recipients": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
    "privacy.ProcessingRecord.transfers": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
    "privacy.ProcessingRecord.security_measures": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
    "privacy.ProcessingRecord.notes": {
        "privacy:record",
        "privacy:record-print",
        "privacy:record-json",
    },
}

# field -> why it is never shown to anyone (checked: its tag appears on no page)
NOT_RENDERED: dict[str, str] = {
    "monitoring.Source.cursor": "connector state (since ids, etags), internal",
    "monitoring.Cluster.decision": "a decision code, shown through its label",
    "monitoring.Post.author_id": "the platform's numeric account id, internal",
    "monitoring.Post.author_meta": "follower counts etc., used for scoring",
    "monitoring.Post.raw": "the platform's payload, kept for exports and audits",
    "monitoring.Place.source": "gazetteer internals (geoparsing)",
    "monitoring.Place.code": "gazetteer internals (geoparsing)",
    "monitoring.Place.name": "gazetteer internals; posts show their own place_name",
    "monitoring.TriageDecision.previous_status": "undo state, internal",
    "monitoring.TriageDecision.previous_category": "undo state, internal",
    "monitoring.TriageDecision.previous_decision": "undo state, internal",
    "verification.CaseEvent.data": "structured details; the event's text is shown",
    "mapping.MapExport.file_name": "a server path under PRIVATE_ROOT, never shown",
    "closure.RetentionPurge.counts": "numbers only",
    "signals.EmergingSignal.sample_post_ids": "post ids (numbers)",
    "signals.EmergingSignal.series": "counts (numbers)",
    "privacy.PostErasure.counts": "numbers only",
    "privacy.ComplianceCursor.key": "an internal cursor name",
}

# field -> rendered, but the crawl does not reach it yet (a state the demo world
# does not have, or a URL only script builds). An honest list of gaps: when the
# crawl starts seeing one, the test asks to move it to RENDERED.
UNREACHED: dict[str, str] = {
    "accounts.Notification.kind": "a kind code; notifications show title/body",
    "accounts.Notification.url": "reduced to an internal path by notification_link",
    "activations.Activation.close_reason": "shown once the activation is closed",
    "monitoring.Source.last_error": "shown when a source failed",
    "monitoring.Source.paused_reason": "shown when a source is paused",
    "monitoring.Post.external_id": "shown on the post list for some platforms",
    "monitoring.Post.media": "media links are filtered through http_url in views",
    "monitoring.Rejection.excerpt": "the rejected records' page of a source",
    "monitoring.Escalation.ack_note": "shown once acknowledged",
    "verification.Case.category": "a category code, shown through its label",
    "verification.RumourEvent.kind": "an event code, shown through its label",
    "mapping.Incident.category": "a category code, shown through its label",
    "mapping.MapItem.category": "map popups: the item JSON is fetched by opmap.js "
    "from a URL template (see test_xss_browser)",
    "mapping.MapItem.platform": "map popups (see mapping.MapItem.category)",
    "mapping.MapItem.author_handle": "map popups (see mapping.MapItem.category)",
    "mapping.MapItem.post_url": "map popups; opmap.js keeps http(s) links only",
    "mapping.MapExport.error": "shown when an export failed",
    "portal.RequestForInformation.answer": "shown once answered",
    "relay.RelayTask.published_url": "shown once published (http_url)",
    "relay.RelayTask.external_id": "shown once published",
    "publichelp.ReplyValues.emergency_number": "filled into reply templates",
    "closure.AfterActionReview.lessons_learned": "needs a closed activation",
    "closure.AfterActionReview.figures": "needs a closed activation",
    "search.SavedSearch.filters": "a saved search's filters, in the search form",
    "campaigns.ScheduledPost.text": "shown in the campaign's schedule",
    "campaigns.ScheduledPost.external_id": "shown once published",
    "campaigns.WatchDigest.summary": "the watch digest page",
    "onboarding.Application.rejection_reason": "shown once rejected",
    "privacy.SubjectRequest.platform": "data-subject requests",
    "privacy.SubjectRequest.handle": "data-subject requests",
    "privacy.SubjectRequest.requester_note": "data-subject requests",
    "privacy.SubjectRequest.findings": "data-subject requests",
    "privacy.SubjectRequest.counts": "data-subject requests",
    "privacy.SubjectRequest.refusal_reason": "data-subject requests",
    "privacy.ComplianceCursor.last_error": "the compliance check status",
}

# field -> why it cannot carry a payload (not poisoned)
CONSTRAINED: dict[str, str] = {
    "accounts.User.password": "a password hash, never shown",
    "accounts.User.timezone": "an IANA zone name chosen from a list (profile form)",
    "accounts.ApiToken.key_hash": "a hash computed by the app, never shown",
    "activations.Activation.slug": "a SlugField ([-a-zA-Z0-9_]), part of every URL",
    "activations.Activation.timezone": "an IANA zone name chosen from a list",
    "activations.VolunteerProfile.charter_version": "set by the app from settings",
    "campaigns.ScheduledPost.idempotency_key": "a key computed by the app",
    "relay.RelayTask.idempotency_key": "a key computed by the app",
    "onboarding.Invitation.token_hash": "a hash computed by the app, never shown",
    "reports.SituationReport.content_hash": "a SHA-256 computed by the app",
    "reports.SituationReport.map_svg": "SVG drawn by reports/svgmap.py from "
    "coordinates only (no text from posts); served as an image",
    "monitoring.Place.normalized": "the gazetteer's lookup key, derived from name",
    "reports.SituationReport.data": "the snapshot composed by the app from the "
    "(poisoned) posts, cases and rumours: carries their tags, not its own",
    "reports.SituationReport.texts": "composed by the app like data",
}

# Models whose rows only their services can build (internal JSON structures a
# generic row would break: the page would fail on our fake row, not on a payload).
SERVICE_BUILT = {
    "closure.AfterActionReview",
    "reports.SituationReport",
    "signals.EmergingSignal",
}


def _auto_constrained(f: Any) -> str | None:
    if isinstance(f, xs.ArrayField):
        return _auto_constrained(f.base_field)
    if f.choices:
        return "choices: shown through its label, a value outside the set is refused"
    max_length = getattr(f, "max_length", None)
    if max_length is not None and max_length < xs.SHORTEST_USEFUL:
        return f"max_length {max_length}: too short for any payload"
    return None


def declared_skip() -> set[str]:
    return {
        xs.label(f)
        for f in xs.text_fields()
        if xs.label(f) in CONSTRAINED or _auto_constrained(f)
    }


def test_every_text_field_is_declared():
    labels = {xs.label(f) for f in xs.text_fields()}
    auto = {xs.label(f) for f in xs.text_fields() if _auto_constrained(f)}
    declared = set(RENDERED) | set(NOT_RENDERED) | set(CONSTRAINED) | set(UNREACHED)
    missing = sorted(labels - declared - auto)
    assert not missing, (
        "text fields with no XSS declaration (add them to RENDERED with the views "
        f"that show them, NOT_RENDERED or CONSTRAINED with a reason): {missing}"
    )
    stale = sorted(declared - labels)
    assert not stale, f"declarations for fields that no longer exist: {stale}"
    groups = [set(RENDERED), set(NOT_RENDERED), set(CONSTRAINED), set(UNREACHED)]
    twice = sorted(
        {name for i, a in enumerate(groups) for b in groups[i + 1 :] for name in a & b}
    )
    assert not twice, f"declared twice: {twice}"


def test_the_inspector_sees_markup_made_by_a_payload_and_nothing_else():
    """The HTML check itself can fail: payloads that became markup are found,
    the same payloads escaped are not."""
    injected = [
        "<script>alert('xq1r1q')</script>",
        "<img src=x onerror=\"alert('xq1r1q')\">",
        "<a href=\" java\tscript:alert('xq1r1q')\">x</a>",
        '<div hx-get="/x/xq1r1q" hx-trigger=load></div>',
        '<input value="" autofocus onfocus="alert(\'xq1r1q\')">',
        "<p>1337xq1r1q</p>",
        '<script type="application/json">{"a": "</script><b>xq1r1q"}</script>',
    ]
    for html in injected:
        assert xs.injections(f"<html><body>{html}</body></html>"), html
    from django.utils.html import escape, json_script

    for html in injected:
        if "1337" in html:  # an evaluated expression is text: escaping is not the point
            continue
        safe = f"<p title='{escape(html)}'>{escape(html)}</p>" + json_script(html, "d")
        assert xs.injections(f"<html><body>{safe}</body></html>") == [], html


# --- the world and the crawl ------------------------------------------------------
@dataclass
class Crawl:
    pages: list[tuple[str, xs.Page]] = field(default_factory=list)  # (who, page)
    poisoned: dict[int, str] = field(default_factory=dict)
    unfilled: dict[str, str] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)


def _build_world() -> dict[str, int]:
    from accounts.models import User
    from activations.models import Activation
    from tests.signals.support import make_signal

    call_command("seed_demo", allow_production=True, stdout=io.StringIO())
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    activation = Activation.objects.get(slug="demo")
    make_signal(activation, key="crue", sample_text="Le Lez monte #crue")
    return {name: user.pk for name, user in users.items()}


def _publish_report(users: dict[str, int]) -> None:
    """A situation report composed from the poisoned rows (its snapshot carries their
    tags), published so that liaisons see it; then its own text fields poisoned."""
    from accounts.models import User
    from activations.models import Activation
    from tests.reports.support import published

    activation = Activation.objects.get(slug="demo")
    published(
        activation,
        User.objects.get(pk=users["chef-equipe"]),
        User.objects.get(pk=users["coordinateur"]),
    )


@pytest.fixture(scope="module")
def crawl(django_db_setup, django_db_blocker) -> Crawl:
    from accounts.models import User
    from activations.models import Organisation

    result = Crawl()
    with django_db_blocker.unblock(), transaction.atomic():
        users = _build_world()
        result.unfilled = xs.fill_empty_models(SERVICE_BUILT)
        poisoned = xs.poison_database(declared_skip())
        _publish_report(users)
        poisoned.fields |= xs.poison_database(
            declared_skip(), only={"reports.SituationReport"}
        ).fields
        result.poisoned = poisoned.fields
        result.missing_tables = poisoned.missing_tables
        for who in ROLES:
            client = Client(raise_request_exception=False)
            client.force_login(User.objects.get(pk=users[who]))
            result.pages += [(who, page) for page in xs.crawl(client)]
        anonymous = Client(raise_request_exception=False)
        starts = ["/accounts/login/"] + [
            f"/join/apply/{pk}/"
            for pk in Organisation.objects.values_list("pk", flat=True)
        ]
        for start in starts:
            result.pages += [("anonymous", page) for page in xs.crawl(anonymous, start)]
        transaction.set_rollback(True)
    return result


def test_the_crawl_reached_the_pages_of_every_role(crawl):
    seen = defaultdict(set)
    for who, page in crawl.pages:
        if page.status == 200:
            seen[who].add(page.url_name)
    assert len(seen["coordinateur"]) > 50, sorted(seen["coordinateur"])
    assert "portal:activation" in seen["liaison"]
    assert "mapping:map-data" in seen["coordinateur"] or any(
        "geojson" in name for name in seen["coordinateur"]
    )
    assert "accounts:login" in seen["anonymous"]
    # the queries only script builds were sent too, and answered
    answered = {page.url for _who, page in crawl.pages if page.status == 200}
    assert any("/map/data/?bbox=" in url for url in answered)
    assert any("q=alert" in url for url in answered)


def test_no_payload_becomes_markup_on_any_page(crawl):
    found = []
    for who, page in crawl.pages:
        if "html" not in page.content_type:
            continue
        for injection in xs.injections(page.body):
            field_numbers = {int(n) for n in xs.TAG_RE.findall(injection)}
            fields = sorted(crawl.poisoned.get(n, str(n)) for n in field_numbers)
            found.append(f"{who} {page.url}: {fields} {injection[:200]}")
    assert not found, "\n".join(found)


def test_json_answers_are_served_as_json(crawl):
    """Payloads in API answers are data: never served as HTML, always valid JSON."""
    import json

    wrong = []
    for who, page in crawl.pages:
        if page.status != 200 or "json" not in page.content_type:
            continue
        try:
            json.loads(page.body)
        except ValueError:
            wrong.append(f"{who} {page.url}: not JSON")
        if "html" in page.content_type:
            wrong.append(f"{who} {page.url}: {page.content_type}")
    assert not wrong, wrong


def test_no_page_fails_on_hostile_text(crawl):
    failed = sorted(
        {f"{who} {page.url}" for who, page in crawl.pages if page.status >= 500}
    )
    assert not failed, failed


def test_every_rendered_field_is_seen_where_declared(crawl):
    where: dict[str, set[str]] = defaultdict(set)
    for _who, page in crawl.pages:
        for number in xs.tags_in(page.body):
            if number in crawl.poisoned:
                where[crawl.poisoned[number]].add(page.url_name)
    labels = {xs.label(f) for f in xs.text_fields()}
    unseen = {
        name: sorted(views)
        for name, views in RENDERED.items()
        if name in labels and not (where[name] & views)
    }
    assert not unseen, (
        "declared as rendered but their payloads were not seen there "
        f"(seen at: { {n: sorted(where[n]) for n in unseen} }): {unseen}"
    )
    shown = {
        name: sorted(where[name])
        for name in {**NOT_RENDERED, **UNREACHED}
        if where[name]
    }
    assert not shown, (
        f"declared not rendered/unreached but shown: move them to RENDERED: {shown}"
    )
