// The console's live feed (observability/journal.ts): readers read at their own pace, a reader
// that falls behind the ring's bounds is told how many records it missed, and what the ring
// holds stays within its record and byte bounds however slowly it is read.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Journal, JOURNAL_CAPACITY, JOURNAL_WAKE_RECORDS, MAX_JOURNAL_BYTES, RecordKind } from '../../src/observability/journal.js'

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
