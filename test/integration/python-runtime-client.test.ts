// The Python bootstrap's own HTTP/1.1 client (runtimes/python/bootstrap.py) against a scripted
// Runtime API on a raw socket: what Gatehouse's server never sends but another Runtime API
// may (chunked bodies, a body that runs to the end of the connection, `Connection: close`,
// a response split across writes), a connection dropped between requests, and the requests it
// writes (Host, Content-Length, the error type header). And the same bootstrap on the channel
// Gatehouse hands it (fd 3), in the private framing, with frames scripted here.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { encodeFrame, FrameReader, GatewayFrame, RUNTIME_FRAME_KINDS, RuntimeFrame, type ReceivedFrame } from '../../src/functions/runtime-api/frames.js'
import { fixturesDir, repoRoot } from '../helpers/paths.js'

interface Request {
  readonly head: string
  readonly headers: Map<string, string>
  readonly body: string
}

/** Requests as they arrive on one connection, one at a time. */
function requests(socket: Socket): () => Promise<Request> {
  let buffer = Buffer.alloc(0)
  let wake: (() => void) | undefined
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk])
    wake?.()
  })
  return async () => {
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n')
      if (end >= 0) {
        const lines = buffer.subarray(0, end).toString('latin1').split('\r\n')
        const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const))
        const length = Number(headers.get('content-length') ?? 0)
        if (buffer.length >= end + 4 + length) {
          const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8')
          buffer = buffer.subarray(end + 4 + length)
          return { head: lines[0] ?? '', headers, body }
        }
      }
      await new Promise<void>((resolve) => (wake = resolve))
    }
  }
}

test('the bootstrap reads chunked and to-the-end bodies, follows Connection: close and a dropped connection, and writes whole requests', async (t) => {
  const connections: Socket[] = []
  let arrived: ((s: Socket) => void) | undefined
  const server = createServer((socket) => {
    const waiter = arrived
    arrived = undefined
    if (waiter !== undefined) waiter(socket)
    else connections.push(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const nextConnection = (): Promise<Socket> => {
    const waiting = connections.shift()
    if (waiting !== undefined) return Promise.resolve(waiting)
    return new Promise((resolve) => (arrived = resolve))
  }
  const { port } = server.address() as { port: number }
  const child = spawn('python3', ['-u', join(repoRoot, 'runtimes', 'python', 'bootstrap.py')], {
    cwd: join(fixturesDir, 'python'),
    env: { ...process.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, _HANDLER: 'scripted.handler', LAMBDA_TASK_ROOT: join(fixturesDir, 'python') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const opened: Socket[] = []
  server.on('connection', (s) => opened.push(s))
  t.after(() => {
    child.kill('SIGKILL')
    for (const s of opened) s.destroy()
    server.close()
  })
  const deadline = Date.now() + 60_000
  const event = (id: string, script: object) => JSON.stringify({ version: '2.0', body: JSON.stringify(script), isBase64Encoded: false, requestId: id })

  // 1. /next answered chunked, in two chunks, then the connection closes.
  const a = await nextConnection()
  const readA = requests(a)
  const next1 = await readA()
  assert.equal(next1.head, 'GET /2018-06-01/runtime/invocation/next HTTP/1.1')
  assert.equal(next1.headers.get('host'), `127.0.0.1:${port}`)
  const body1 = event('r1', { return: { answer: 42 } })
  const half = Math.floor(body1.length / 2)
  a.end(
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nlambda-runtime-aws-request-id: r1\r\nLambda-Runtime-Deadline-Ms:  ${deadline}\r\n` +
      `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${half.toString(16)}\r\n${body1.slice(0, half)}\r\n${(body1.length - half).toString(16)};x=y\r\n${body1.slice(half)}\r\n0\r\n\r\n`
  )

  // 2. The response on a new connection, answered with a body that runs to the end of it.
  const b = await nextConnection()
  const readB = requests(b)
  const response1 = await readB()
  assert.equal(response1.head, 'POST /2018-06-01/runtime/invocation/r1/response HTTP/1.1')
  assert.equal(response1.headers.get('content-type'), 'application/json')
  assert.deepEqual(JSON.parse(response1.body), { answer: 42 })
  b.end('HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n\r\n{"status":"OK"}')

  // 3. /next on a third connection, its answer split inside the headers; kept alive.
  const c = await nextConnection()
  const readC = requests(c)
  assert.equal((await readC()).head, 'GET /2018-06-01/runtime/invocation/next HTTP/1.1')
  const body2 = event('r2', { raise: 'boom' })
  c.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body2)}\r\nLambda-Runtime-Aws-Req`)
  await new Promise((resolve) => setTimeout(resolve, 50))
  c.write(`uest-Id: r2\r\nLambda-Runtime-Deadline-Ms: ${deadline}\r\n\r\n${body2}`)
  const error2 = await readC()
  assert.equal(error2.head, 'POST /2018-06-01/runtime/invocation/r2/error HTTP/1.1')
  assert.equal(error2.headers.get('lambda-runtime-function-error-type'), 'ValueError')
  assert.equal(error2.headers.get('content-type'), 'application/vnd.aws.lambda.error+json')
  assert.equal(error2.headers.get('content-length'), String(Buffer.byteLength(error2.body)))
  const posted = JSON.parse(error2.body) as { errorType: string; errorMessage: string; requestId: string }
  assert.deepEqual([posted.errorType, posted.errorMessage, posted.requestId], ['ValueError', 'boom', 'r2'])
  c.write('HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{"status":"OK"}')

  // 4. The connection drops while the runtime waits in /next: it asks again on a new one.
  assert.equal((await readC()).head, 'GET /2018-06-01/runtime/invocation/next HTTP/1.1')
  c.destroy()
  const d = await nextConnection()
  assert.equal((await requests(d)()).head, 'GET /2018-06-01/runtime/invocation/next HTTP/1.1')
  assert.match(output, /\[ERROR\] ValueError: boom/)
})

/** The bootstrap with a channel (fd 3, a socket pair) as Gatehouse starts it, and frames as they arrive on it. */
async function onChannel(t: TestContext, handler: string) {
  // Where the bootstrap would go over HTTP: nothing may arrive here.
  const tcp = createServer((socket) => socket.destroy())
  let tcpConnections = 0
  tcp.on('connection', () => tcpConnections++)
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  const { port } = tcp.address() as { port: number }
  const child = spawn('python3', ['-u', join(repoRoot, 'runtimes', 'python', 'bootstrap.py')], {
    cwd: join(fixturesDir, 'python'),
    env: { ...process.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, _GATEHOUSE_RUNTIME_API_FD: '3', _HANDLER: handler, LAMBDA_TASK_ROOT: join(fixturesDir, 'python') },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  })
  const channel = child.stdio[3] as Socket
  let output = ''
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.after(() => {
    child.kill('SIGKILL')
    tcp.close()
  })
  const queue: ReceivedFrame[] = []
  let wake: (() => void) | undefined
  const reader = new FrameReader(RUNTIME_FRAME_KINDS, (f) => (queue.push(f), wake?.()), (reason) => assert.fail(reason))
  channel.on('data', (chunk: Buffer) => reader.push(chunk))
  let closed = false
  channel.on('close', () => {
    closed = true
    wake?.()
  })
  const frame = async (): Promise<ReceivedFrame> => {
    while (queue.length === 0) {
      if (closed) throw new Error(`the bootstrap closed its channel; its output: ${output}`)
      await new Promise<void>((resolve) => (wake = resolve))
    }
    return queue.shift() as ReceivedFrame
  }
  return { channel, frame, exited, output: () => output, tcpConnections: () => tcpConnections }
}

test('on its channel the bootstrap speaks the framing: /next, a response and an error with the next /next, an earlier refusal skipped, a refused /next ends it', async (t) => {
  const { channel, frame, exited, output, tcpConnections } = await onChannel(t, 'scripted.handler')
  const deadline = Date.now() + 60_000
  const event = (id: string, script: object) => JSON.stringify({ version: '2.0', body: JSON.stringify(script), isBase64Encoded: false, requestId: id })
  const invocation = (id: string, script: object) =>
    encodeFrame(GatewayFrame.Invocation, `${id}\0${deadline}\0arn:aws:lambda:us-east-1:123456789012:function:py\0Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0\0\0`, event(id, script))

  assert.deepEqual(await frame(), { kind: RuntimeFrame.Next, head: '', body: { text: '', bytes: 0, tooLarge: false } })
  // An invocation split inside its head.
  const first = invocation('r1', { return: { answer: 42 } })
  channel.write(first.subarray(0, 12))
  await new Promise((resolve) => setTimeout(resolve, 50))
  channel.write(first.subarray(12))
  const response = await frame()
  assert.deepEqual([response.kind, response.head, JSON.parse(response.body.text)], [RuntimeFrame.Response, 'r1', { answer: 42 }])
  assert.equal((await frame()).kind, RuntimeFrame.Next, 'the next /next follows the response')

  // A refusal of the response (as for an invocation that timed out) comes first: skipped.
  channel.write(Buffer.concat([encodeFrame(GatewayFrame.Answer, '400\0r', '{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}'), invocation('r2', { raise: 'boom' })]))
  const error = await frame()
  assert.equal(error.kind, RuntimeFrame.InvocationError)
  assert.equal(error.head, 'r2\0ValueError')
  const posted = JSON.parse(error.body.text) as { errorType: string; errorMessage: string; requestId: string }
  assert.deepEqual([posted.errorType, posted.errorMessage, posted.requestId], ['ValueError', 'boom', 'r2'])
  assert.equal((await frame()).kind, RuntimeFrame.Next)

  // /next refused: the bootstrap says so and exits, as over HTTP.
  channel.write(encodeFrame(GatewayFrame.Answer, '403\0n', '{"errorType":"InvalidStateTransition"}'))
  assert.equal(await exited, 1)
  assert.match(output(), /\[ERROR\] ValueError: boom/)
  assert.match(output(), /Runtime API \/next answered 403/)
  assert.equal(tcpConnections(), 0, 'nothing went over TCP')
})

test('on its channel the bootstrap posts an init error as a frame and exits only once it is answered', async (t) => {
  const { channel, frame, exited } = await onChannel(t, 'import_error.handler')
  const init = await frame()
  assert.equal(init.kind, RuntimeFrame.InitError)
  const error = JSON.parse(init.body.text) as { errorType: string; errorMessage: string }
  assert.equal(init.head, error.errorType)
  assert.equal(error.errorType, 'Runtime.ImportModuleError')
  let gone = false
  void exited.then(() => (gone = true))
  await new Promise((resolve) => setTimeout(resolve, 200))
  assert.equal(gone, false, 'it waits for the answer')
  channel.write(encodeFrame(GatewayFrame.Answer, '202\0i', '{"status":"OK"}'))
  assert.equal(await exited, 1)
})
