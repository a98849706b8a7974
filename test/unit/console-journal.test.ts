// The console's live feed (observability/journal.ts): readers read at their own pace, a reader
// that falls behind the ring's bounds is told how many records it missed, and what the ring
// holds stays within its record and byte bounds however slowly it is read; what every reader
// has read is let go; batches of summaries are written as JSON.stringify would write them; a
// kept request's fields and the function pool's lines kept as facts read back as written.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Journal, JOURNAL_CAPACITY, JOURNAL_WAKE_RECORDS, MAX_JOURNAL_BYTES, RecordKind } from '../../src/observability/journal.js'
import { Inspector, summaryJson } from '../../src/observability/index.js'
import { MAX_LINES_PER_INVOCATION } from '../../src/observability/inspector.js'
import { FieldReader, flat, nullable, num, str } from '../../src/observability/kept-text.js'
import { endLine, reportJson, reportLine, startLine } from '../../src/functions/index.js'
import { fixed2 } from '../../src/functions/log-lines.js'
import { formatBatch } from '../../src/console/sse.js'
import type { Reply, RequestContext } from '../../src/model/index.js'
import type { InspectedRequestSummary } from '../../src/observability/index.js'

const byLength = (_kind: RecordKind, value: unknown): number => String(value).length

test('each reader gets every record once, by kind, in order', () => {
  const journal = new Journal<string, string, string>(byLength)
  const a = journal.open(() => undefined)
  journal.push(RecordKind.Request, 'r1')
  const b = journal.open(() => undefined)
  journal.push(RecordKind.FunctionLog, 'l1')
  journal.push(RecordKind.Request, 'r2')
  journal.push(RecordKind.ConnectionMessage, 'm1')
  assert.deepEqual(journal.read(a, 100, Infinity), { dropped: 0, requests: ['r1', 'r2'], functionLogs: ['l1'], connectionMessages: ['m1'] })
  assert.deepEqual(journal.read(b, 100, Infinity).requests, ['r2'], 'a reader starts with the records written after it opened')
  assert.equal(journal.unread(a), 0)
  assert.deepEqual(journal.read(a, 100, Infinity), { dropped: 0, requests: [], functionLogs: [], connectionMessages: [] })
})

test('a batch stops at its record and byte bounds; the rest waits for the next read', () => {
  const journal = new Journal<string, string, string>(byLength)
  const reader = journal.open(() => undefined)
  for (let i = 0; i < 10; i++) journal.push(RecordKind.Request, 'x'.repeat(100))
  assert.equal(journal.read(reader, 3, Infinity).requests.length, 3)
  assert.equal(journal.read(reader, 100, 250).requests.length, 3, 'stops once 250 bytes are passed')
  assert.equal(journal.read(reader, 100, Infinity).requests.length, 4)
})

test('a reader that falls behind the ring is told how many records it missed, and the ring stays bounded', () => {
  const journal = new Journal<string, string, string>(byLength)
  const slow = journal.open(() => undefined)
  const extra = 1234
  for (let i = 0; i < JOURNAL_CAPACITY + extra; i++) journal.push(RecordKind.FunctionLog, `line ${i}`)
  assert.equal(journal.missed(slow), extra)
  const batch = journal.read(slow, JOURNAL_CAPACITY * 2, Infinity)
  assert.equal(batch.dropped, extra)
  assert.equal(batch.functionLogs[0], `line ${extra}`, 'the oldest kept record comes first')
  assert.equal(batch.functionLogs.length, JOURNAL_CAPACITY)

  const big = 'y'.repeat(64 * 1024)
  for (let i = 0; i < 1000; i++) journal.push(RecordKind.FunctionLog, big)
  assert.ok(journal.bytes <= MAX_JOURNAL_BYTES, `${journal.bytes} bytes held: at most ${MAX_JOURNAL_BYTES}`)
  const after = journal.read(slow, 10_000, Infinity)
  assert.equal(after.dropped + after.functionLogs.length, 1000)
  assert.ok(after.dropped > 0)
})

test('readers are woken when records pile up; closing the last one lets the records go', () => {
  const journal = new Journal<string, string, string>(byLength)
  let wakes = 0
  const reader = journal.open(() => wakes++)
  for (let i = 0; i < JOURNAL_WAKE_RECORDS * 2; i++) journal.push(RecordKind.Request, 'r')
  assert.equal(wakes, 2)
  journal.close(reader)
  assert.equal(journal.readers, 0)
  assert.equal(journal.bytes, 0)
})

test('a record is let go once every reader has read it', () => {
  const journal = new Journal<string, string, string>(byLength)
  const fast = journal.open(() => undefined)
  const slow = journal.open(() => undefined)
  for (let i = 0; i < 10; i++) journal.push(RecordKind.Request, 'x'.repeat(10))
  journal.read(fast, 100, Infinity)
  assert.equal(journal.bytes, 100, 'kept while one reader has not read them')
  journal.read(slow, 4, Infinity)
  assert.equal(journal.bytes, 60, 'the four both readers have read are let go')
  assert.equal(journal.missed(slow), 0, 'letting go of read records is not a drop')
  assert.deepEqual(journal.read(slow, 100, Infinity), { dropped: 0, requests: Array(6).fill('x'.repeat(10)), functionLogs: [], connectionMessages: [] })
  assert.equal(journal.bytes, 0)
})

test('summaries are written as JSON.stringify writes them, whatever their strings hold', () => {
  const base = { id: 'LV7fzho-PHcEJPw=', time: 1733400000123, method: 'GET', path: '/hello', query: '', apiId: 'bench00001', stage: '$default', routeKey: 'GET /hello', status: 200, latency: 3, error: null, integrationError: '', authorizerError: '' }
  const odd = { ...base, id: 'q"u\\o', path: '/caf\u00e9/\u0001/\ud800/\ud83d\ude00', query: 'a=1&b=\n', apiId: null, stage: null, routeKey: null, latency: -0, error: { responseType: 'RESOURCE_NOT_FOUND', message: 'Not "Found"\t' }, integrationError: 'x\u2028y', authorizerError: 'z' }
  const oneOdd = [{ ...base, query: 'a="b"' }, { ...base, path: '/x\\y' }, { ...base, status: 500, latency: 12345, time: 1733400000124 }, { ...base, routeKey: 'GET /"q"' }, { ...base, apiId: null, stage: null, routeKey: null }]
  for (const summary of [base, odd, ...oneOdd, base]) assert.equal(summaryJson(summary), JSON.stringify(summary))
  // The stream's `requests` event joins the recorded texts: the array JSON.stringify writes.
  const batch = (summaries: InspectedRequestSummary[]) => formatBatch({ dropped: 0, requests: summaries.map(summaryJson), functionLogs: [], connectionMessages: [] })
  for (const summaries of [[base], [base, odd, base]]) assert.equal(batch(summaries), `event: requests\ndata: ${JSON.stringify(summaries)}\n\n`)
  assert.equal(batch([]), '', 'no requests, no event')
  // A summary as the inspector records it: a field added there and not to summaryJson shows here.
  const inspector = new Inspector()
  const reader = inspector.subscribe(() => undefined)
  const ctx = {
    trace: { authorizer: null, lambda: null, requestMapping: null, upstream: null, accessLogLine: null },
    requestId: 'abc', requestTimeEpoch: 1, method: 'POST', path: '/p', rawQueryString: 'x=1', rawPathname: '/p', api: null, stage: null, route: null,
    responseLatency: 2, startedAt: 0, integrationErrorMessage: '', authorizerError: '', host: 'h', sourceIp: '127.0.0.1', rawHeaders: [], body: Buffer.alloc(0),
    integrationRequestId: '', integrationLatency: -1, integrationStatus: 0,
  } as unknown as RequestContext
  inspector.record(ctx, { statusCode: 404, headers: [], body: Buffer.from('{}'), error: { responseType: 'RESOURCE_NOT_FOUND', message: 'Not Found' } } as unknown as Reply, 2)
  const recorded = inspector.read(reader, 10, Infinity).requests
  assert.equal(recorded.length, 1)
  const expected = {
    id: 'abc', time: 1, method: 'POST', path: '/p', query: 'x=1', apiId: null, stage: null, routeKey: null, status: 404, latency: 2,
    error: { responseType: 'RESOURCE_NOT_FOUND', message: 'Not Found' }, integrationError: '', authorizerError: '',
  } satisfies InspectedRequestSummary
  // The text streamed is JSON.stringify of every field, in the order of InspectedRequestSummary.
  assert.equal(recorded[0], JSON.stringify(expected))
  assert.deepEqual(inspector.list(), [expected])
  assert.equal(summaryJson(inspector.list()[0] as InspectedRequestSummary), JSON.stringify(expected))
})

test('a kept request reads back every field as recorded, whatever the lengths and numbers', () => {
  const fields = ['', 'a', 'x'.repeat(252), 'y'.repeat(253), 'z'.repeat(254), 'w'.repeat(70_000), 'caf\u00e9', '\u20ac\ud83d\ude00']
  const numbers = [0, 1, 252, 253, 254, 255, 1e6, -1, -0.5, 1.25, 2 ** 31, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]
  const text = 'prefix' + fields.map(str).join('') + numbers.map(num).join('') + nullable(null) + nullable('') + nullable('n')
  const r = new FieldReader(flat(text), 'prefix'.length)
  for (const f of fields) assert.equal(r.str(), f)
  for (const n of numbers) assert.ok(Object.is(r.num(), n), `${n}`)
  assert.equal(r.nullable(), null)
  assert.equal(r.nullable(), '')
  assert.equal(r.nullable(), 'n')
  assert.equal(num(-0), num(0), '-0 reads as 0')
})

test('the pool\'s START, END and REPORT, kept as facts, read back as the text the pool writes', () => {
  const inspector = new Inspector()
  const reader = inspector.subscribe(() => undefined)
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e'
  const warm = { requestId: id, durationMs: 1.005, memorySizeMB: 128, maxMemoryUsedMB: 10, initDurationMs: -1 }
  const cold = { requestId: '1f8fad5b-d9cb-469f-a165-70867728950f', durationMs: 3000.125, memorySizeMB: 1024, maxMemoryUsedMB: 64, initDurationMs: 37.678 }
  const text = [startLine(id), `2026-01-01T00:00:00.000Z\t${id}\tINFO\ta "quoted"\tline`, endLine(id), reportLine(warm), startLine(cold.requestId), endLine(cold.requestId), reportLine(cold)]
  inspector.invocationStarted(id)
  inspector.functionLog(text[1] as string)
  inspector.invocationEnded(warm)
  inspector.invocationStarted(cold.requestId)
  inspector.invocationEnded(cold)
  assert.equal(reportLine(warm), `REPORT RequestId: ${id}\tDuration: ${(1.005).toFixed(2)} ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 10 MB`)
  assert.ok(reportLine(cold).endsWith(`\tInit Duration: ${(37.678).toFixed(2)} ms`))
  assert.deepEqual(inspector.functionLogTail(), text)
  // The live feed's JSON strings are JSON.stringify's, and the stream's event the array of them.
  const batch = inspector.read(reader, 100, Infinity)
  assert.deepEqual(batch.functionLogs, text.map((l) => JSON.stringify(l)))
  assert.equal(formatBatch(batch), `event: function-logs\ndata: ${JSON.stringify(text)}\n\n`)
  for (const r of [warm, cold]) assert.equal(reportJson(r), JSON.stringify(reportLine(r)))
})

test('REPORT durations are written as toFixed(2) writes them', () => {
  const values = [0, 0.004, 0.005, 0.015, 1.005, 1.115, 2.675, 10.125, 99.995, 123.456, 999_999.995, 9_999_999.99, 1e7, 1e9 + 0.5, 5e-324]
  for (let i = 0; i < 20_000; i++) values.push(Math.random() * 10, Math.random() * 1e5, i / 200, i / 1000 + 0.005)
  for (const v of values) assert.equal(fixed2(v), v.toFixed(2), `${v}`)
})

test('an invocation\'s lines in the request detail stop at the bound per invocation; other invocations keep theirs', () => {
  const inspector = new Inspector()
  inspector.subscribe(() => undefined)
  const chatty = 'aaaaaaaa-d9cb-469f-a165-70867728950e'
  const quiet = 'bbbbbbbb-d9cb-469f-a165-70867728950f'
  inspector.invocationStarted(quiet)
  inspector.invocationStarted(chatty)
  for (let i = 0; i < MAX_LINES_PER_INVOCATION + 50; i++) inspector.functionLog(`2026-01-01T00:00:00.000Z\t${chatty}\tINFO\tline ${i}`)
  inspector.invocationEnded({ requestId: quiet, durationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 10, initDurationMs: -1 })
  const detail = (awsRequestId: string): string[] => {
    const ctx = {
      trace: { authorizer: null, lambda: null, requestMapping: null, upstream: null, accessLogLine: null },
      requestId: 'r-' + awsRequestId, requestTimeEpoch: 1, method: 'GET', path: '/p', rawQueryString: '', rawPathname: '/p', api: null, stage: null, route: null,
      responseLatency: 2, startedAt: 0, integrationErrorMessage: '', authorizerError: '', host: 'h', sourceIp: '127.0.0.1', rawHeaders: [], body: Buffer.alloc(0),
      integrationRequestId: awsRequestId, integrationLatency: 1, integrationStatus: 200,
    } as unknown as RequestContext
    inspector.record(ctx, { statusCode: 200, headers: [], body: Buffer.from('{}'), error: null } as unknown as Reply, 2)
    return inspector.get('r-' + awsRequestId)?.functionLogs as string[]
  }
  const chattyLines = detail(chatty)
  assert.equal(chattyLines.length, MAX_LINES_PER_INVOCATION)
  assert.equal(chattyLines[0], startLine(chatty))
  assert.deepEqual(detail(quiet), [startLine(quiet), endLine(quiet), reportLine({ requestId: quiet, durationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 10, initDurationMs: -1 })])
})
