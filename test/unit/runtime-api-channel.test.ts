// The Runtime API's private framing (src/functions/runtime-api/frames.ts), as Gatehouse's own
// bootstraps speak it on their channel: frames cut from a byte stream at any boundary, Lambda's
// payload limit, and, on a real socket, every call answered as its HTTP request is (the same
// state machine and bodies), with no 202 for a response or an error.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, createServer, type Socket } from 'node:net'
import { MAX_RUNTIME_PAYLOAD_BYTES, INVALID_REQUEST_ID_BODY, PAYLOAD_TOO_LARGE_BODY, ACCEPTED_BODY } from '../../src/functions/runtime-api/index.js'
import { encodeFrame, FrameReader, GATEWAY_FRAME_KINDS, GatewayFrame, MAX_HEAD_BYTES, RUNTIME_FRAME_KINDS, RuntimeFrame, type ReceivedFrame } from '../../src/functions/runtime-api/frames.js'
import { invalidFrameBody } from '../../src/functions/runtime-api/channel.js'
import { recordingRuntimeApi, type Seen } from '../helpers/runtime-api.js'
import type { RuntimeApiServer } from '../../src/functions/runtime-api/index.js'

function readAll(chunks: Buffer[]): { frames: ReceivedFrame[]; errors: string[] } {
  const frames: ReceivedFrame[] = []
  const errors: string[] = []
  const reader = new FrameReader(RUNTIME_FRAME_KINDS, (f) => frames.push(f), (e) => errors.push(e))
  for (const c of chunks) reader.push(c)
  return { frames, errors }
}

test('frames are cut from the stream whatever the reads: whole, byte by byte, or split inside a prefix, head or body', () => {
  const stream = Buffer.concat([
    encodeFrame(RuntimeFrame.Response, 'id-1', '{"body":"héllo ✓"}'),
    encodeFrame(RuntimeFrame.Next, '', ''),
    encodeFrame(RuntimeFrame.InvocationError, 'id-2\0Custom.Type', '{"errorMessage":"x"}'),
  ])
  const expected = [
    { kind: RuntimeFrame.Response, head: 'id-1', body: { text: '{"body":"héllo ✓"}', bytes: Buffer.byteLength('{"body":"héllo ✓"}'), tooLarge: false } },
    { kind: RuntimeFrame.Next, head: '', body: { text: '', bytes: 0, tooLarge: false } },
    { kind: RuntimeFrame.InvocationError, head: 'id-2\0Custom.Type', body: { text: '{"errorMessage":"x"}', bytes: 20, tooLarge: false } },
  ]
  assert.deepEqual(readAll([stream]), { frames: expected, errors: [] })
  assert.deepEqual(readAll([...stream].map((b) => Buffer.from([b]))), { frames: expected, errors: [] })
  for (let cut = 1; cut < stream.length; cut++) {
    assert.deepEqual(readAll([stream.subarray(0, cut), stream.subarray(cut)]), { frames: expected, errors: [] }, `cut at ${cut}`)
  }
})

test("a body over Lambda's payload limit is counted, not kept; the frame after it is read", () => {
  const bytes = MAX_RUNTIME_PAYLOAD_BYTES + 1
  const prefix = encodeFrame(RuntimeFrame.Response, 'big', '')
  prefix.writeUInt32BE(bytes, 5)
  const body = Buffer.alloc(bytes, 0x61)
  const { frames, errors } = readAll([prefix, body.subarray(0, 1000), body.subarray(1000), encodeFrame(RuntimeFrame.Next, '', '')])
  assert.deepEqual(errors, [])
  assert.deepEqual(frames, [
    { kind: RuntimeFrame.Response, head: 'big', body: { text: '', bytes, tooLarge: true } },
    { kind: RuntimeFrame.Next, head: '', body: { text: '', bytes: 0, tooLarge: false } },
  ])
})

test('an unknown kind or an oversized head is a protocol error, and nothing after it is read', () => {
  const unknown = encodeFrame(0x7a, '', '')
  assert.deepEqual(readAll([unknown, encodeFrame(RuntimeFrame.Next, '', '')]), { frames: [], errors: ['unknown frame kind 0x7a'] })
  const huge = encodeFrame(RuntimeFrame.Response, '', '')
  huge.writeUInt32BE(MAX_HEAD_BYTES + 1, 1)
  assert.deepEqual(readAll([huge]).errors, [`frame head of ${MAX_HEAD_BYTES + 1} bytes (at most ${MAX_HEAD_BYTES})`])
})

/** A Runtime API whose channel is the far end of `runtime`, a real loopback connection. */
async function channel(t: TestContext): Promise<{ api: RuntimeApiServer; seen: Seen; runtime: Socket; frames: () => Promise<ReceivedFrame> }> {
  const { api, seen } = await recordingRuntimeApi(t)
  const listener = createServer((socket) => api.adoptChannel(socket))
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const runtime = connect((listener.address() as { port: number }).port, '127.0.0.1')
  t.after(() => {
    runtime.destroy()
    listener.close()
  })
  const queue: ReceivedFrame[] = []
  let wake: (() => void) | undefined
  const reader = new FrameReader(
    GATEWAY_FRAME_KINDS,
    (f) => {
      queue.push(f)
      wake?.()
    },
    () => {}
  )
  runtime.on('data', (chunk: Buffer) => reader.push(chunk))
  await new Promise<void>((resolve) => runtime.once('connect', resolve))
  const frames = async (): Promise<ReceivedFrame> => {
    while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve))
    return queue.shift() as ReceivedFrame
  }
  return { api, seen, runtime, frames }
}

const send = (socket: Socket, kind: number, head: string, body = ''): void => void socket.write(encodeFrame(kind, head, body))
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30))
const INVOCATION = {
  awsRequestId: 'id-1',
  event: '{"a":"é"}',
  deadlineMs: 1_900_000_000_000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
  traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0',
}

test('on a channel: /next is answered with the invocation frame; a response is taken with no 202; a stale id and /next while invoking are refused as over HTTP', async (t) => {
  const { api, seen, runtime, frames } = await channel(t)
  send(runtime, RuntimeFrame.Next, '')
  await settle()
  assert.equal(seen.ready, 1)
  assert.equal(seen.waiting, 1)
  api.deliver({ ...INVOCATION, clientContext: '{"custom":{"k":"v"}}' })
  const v = await frames()
  assert.equal(v.kind, GatewayFrame.Invocation)
  assert.equal(v.head, `id-1\0${INVOCATION.deadlineMs}\0${INVOCATION.invokedFunctionArn}\0${INVOCATION.traceId}\0{"custom":{"k":"v"}}\0`)
  assert.equal(v.body.text, '{"a":"é"}')
  // Invoking: a second /next is refused with the state machine's 403.
  send(runtime, RuntimeFrame.Next, '')
  const refused = await frames()
  assert.equal(refused.kind, GatewayFrame.Answer)
  assert.equal(refused.head, '403\0n')
  assert.deepEqual(JSON.parse(refused.body.text), {
    errorMessage: 'State transition from Invoking to Ready failed for runtime. Error: the current invocation has no response yet',
    errorType: 'InvalidStateTransition',
  })
  // A response for an unknown id: 400; the right one: taken, and no answer frame (no 202).
  send(runtime, RuntimeFrame.Response, 'id-0', '"stale"')
  const stale = await frames()
  assert.deepEqual([stale.head, stale.body.text], ['400\0r', INVALID_REQUEST_ID_BODY])
  send(runtime, RuntimeFrame.Response, 'id-1', '{"ok":true}')
  send(runtime, RuntimeFrame.Next, '')
  await settle()
  assert.deepEqual(seen.responses, [['id-1', '{"ok":true}']])
  api.deliver({ ...INVOCATION, awsRequestId: 'id-2' })
  const second = await frames()
  assert.equal(second.kind, GatewayFrame.Invocation, 'the next frame is the invocation: the response was not answered')
  assert.ok(second.head.startsWith('id-2\0'))
  // An error, its type from the head when the body has none.
  send(runtime, RuntimeFrame.InvocationError, 'id-2\0Custom.Failure', 'not json')
  await settle()
  assert.deepEqual(seen.errors, [['id-2', { errorType: 'Custom.Failure', errorMessage: 'not json', trace: [] }]])
  // An init error after init: 403, answered.
  send(runtime, RuntimeFrame.InitError, 'Runtime.Late', '{}')
  const late = await frames()
  assert.equal(late.head, '403\0i')
  assert.deepEqual(seen.initErrors, [])
})

test('on a channel: an init error is answered 202 (the runtime waits for it before it exits); an oversized response is refused 413 and fails the invocation', async (t) => {
  const first = await channel(t)
  send(first.runtime, RuntimeFrame.InitError, 'Runtime.ImportModuleError', '{"errorType":"Runtime.ImportModuleError","errorMessage":"Unable to import module \'app\'","stackTrace":[]}')
  const accepted = await first.frames()
  assert.deepEqual([accepted.kind, accepted.head, accepted.body.text], [GatewayFrame.Answer, '202\0i', ACCEPTED_BODY])
  assert.deepEqual(first.seen.initErrors, [{ errorType: 'Runtime.ImportModuleError', errorMessage: "Unable to import module 'app'", trace: [] }])

  const { api, seen, runtime, frames } = await channel(t)
  api.deliver(INVOCATION)
  send(runtime, RuntimeFrame.Next, '')
  await frames()
  const bytes = MAX_RUNTIME_PAYLOAD_BYTES + 10
  send(runtime, RuntimeFrame.Response, 'id-1', 'x'.repeat(bytes))
  const tooLarge = await frames()
  assert.deepEqual([tooLarge.head, tooLarge.body.text], ['413\0r', PAYLOAD_TOO_LARGE_BODY])
  assert.equal(seen.errors[0]?.[1].errorType, 'Function.ResponseSizeTooLarge')
  assert.match(seen.errors[0]?.[1].errorMessage ?? '', new RegExp(`^Response payload size \\(${bytes} bytes\\)`))
})

test('on a channel: bytes that are not a frame are answered 400 with what was wrong, and the channel is closed', async (t) => {
  const { runtime, frames } = await channel(t)
  const closed = new Promise<void>((resolve) => runtime.once('end', resolve))
  runtime.write(Buffer.from('GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n'))
  const answer = await frames()
  assert.deepEqual([answer.kind, answer.head, answer.body.text], [GatewayFrame.Answer, '400\0?', invalidFrameBody('unknown frame kind 0x47')])
  await closed
})
