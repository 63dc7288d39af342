// The report core: what the `report` and `audit verify` commands and the report action call.
export { generateReports, type GenerateReportsOptions, type GenerateReportsResult } from './generate-reports.js';
export { changedFiles, writeReportFiles, type ReportFile } from './changed-files.js';
export { ReportInputError } from './repo-state.js';
export { DEFAULT_THRESHOLDS, parseThresholdList, resolveThresholds, statusOf, ThresholdError, type ExpiryStatus, type Thresholds } from './status.js';
export { buildExpiryReport, expiryAlerts, EXPIRY_SCHEMA_URL, type ExpiryAlert, type ExpiryEntry, type ExpiryReport } from './expiry-model.js';
export { appendEvents, chainAfter, LEDGER_FILE, readLedgerEntries, type AppendResult, type LedgerEntry } from './ledger-file.js';
export { GENESIS_PREV, lineDigest } from './ledger-line.js';
export { inspectLedger, verifyLedger, type LedgerAnchor, type LedgerVerification } from './ledger-verify.js';
export { LedgerSink } from './ledger-sink.js';
export { renderDashboard, DASHBOARD_LABEL, DASHBOARD_MARKER, type DashboardContent, type DashboardInput } from './dashboard.js';
export { upsertDashboardIssue, type DashboardIssueOptions, type DashboardIssueResult } from './dashboard-issue.js';
export { DEFAULT_BUSINESS_HOURS, isBusinessHours, parseBusinessHours, BusinessHoursError, type BusinessHours } from './business-hours.js';
export { siemEvent, siemJson, type SiemDelivery, type SiemEvent, type SiemSink } from './siem/siem-event.js';
export { StdoutSink } from './siem/stdout-sink.js';
export { FileSink } from './siem/file-sink.js';
export { HttpSink, EVENT_ID_HEADER, SIGNATURE_HEADER, type HttpSinkFormat, type HttpSinkOptions } from './siem/http-sink.js';
export { DEFAULT_SPOOL_FILE } from './siem/spool.js';
export { DEFAULT_CURSOR_FILE, forwardLedger, type ForwardOptions, type ForwardResult } from './siem/forward.js';
