/**
 * @module
 * Observability for the console: the request inspector the data plane publishes finished
 * requests to (when a console listens), and the masking rules for what it shows.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { Inspector, invocationIdOf, MAX_FUNCTION_LOG_LINES, MAX_INSPECTED_REQUESTS, MAX_INSPECTOR_BYTES } from './inspector.js'
export { MAX_MESSAGES_PER_CONNECTION, MAX_RECORDED_MESSAGE_BYTES } from './inspector.js'
export type { ConnectionMessage, ConnectionMessageRecord, FeedBatch, InspectedRequest, InspectedRequestSummary, ReplaySource } from './inspector.js'
export { JOURNAL_CAPACITY, JOURNAL_WAKE_RECORDS, MAX_JOURNAL_BYTES, type JournalCursor } from './journal.js'
export { summaryJson } from './summary-json.js'
export { MASKED_HEADERS, MASKED_VALUE, MAX_RECORDED_BODY_BYTES, maskText, secretsOf } from './masking.js'
