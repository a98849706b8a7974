// WebSocket load helpers shared by bench/websocket.mjs and bench/scale-out.mjs: the echo API,
// client sockets, the whoami handshake and the @connections POST loops.
import { join } from 'node:path'
import WebSocket from 'ws'
import { derivedConfig } from './configs.mjs'
import { FIXTURES } from './paths.mjs'
import { session } from './processes.mjs'
import { delay } from './util.mjs'

export const WHOAMI = '{"action":"whoami"}'
/** The @connections scenarios' body, sent as a text frame to the addressed client. */
export const POST_BODY = JSON.stringify({ message: 'hello from @connections' })
export const POST_BODY_BYTES = Buffer.from(POST_BODY)

/**
 * A WebSocket API (bench-ws, stage `stage`): one two-way `$default` route whose Lambda handler
 * (bench/fixtures/ws-echo.mjs) sends the message back. `writer` names the bench script.
 */
export function wsEchoConfig(name, stage, writer) {
  return derivedConfig(
    name,
    (doc) => {
      doc.functions = { echo: { handler: join(FIXTURES, 'ws-echo.handler') } }
      doc.apis = [
        {
          name: 'bench-ws',
          apiId: 'benchws001',
          protocolType: 'WEBSOCKET',
          routeSelectionExpression: '$request.body.action',
          routes: [{ routeKey: '$default', target: 'integrations/echo', routeResponseSelectionExpression: '$default' }],
          integrations: [{ integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo' }],
          stages: [{ stageName: stage }],
        },
      ]
    },
    writer
  )
}

/** Opens `count` WebSocket connections to `url` (50 handshakes at a time); each dispatches to `socket.handlers`. */
export async function openSockets(name, url, count) {
  const sockets = []
  const openOne = () =>
    new Promise((resolveOpen, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000 })
      socket.handlers = null
      socket.on('message', (data, isBinary) => socket.handlers?.message(data, isBinary))
      socket.on('close', (code) => socket.handlers?.close(code))
      socket.once('open', () => {
        sockets.push(socket)
        resolveOpen()
      })
      socket.on('error', (err) => {
        if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.CLOSED) reject(new Error(`[${name}] cannot connect to ${url}: ${err.message}`))
      })
    })
  try {
    for (let i = 0; i < count; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, count - i) }, openOne))
    }
  } catch (err) {
    closeSockets(sockets)
    throw err
  }
  return sockets
}

export function closeSockets(sockets) {
  for (const socket of sockets) {
    socket.handlers = null
    socket.terminate()
  }
}

/** Sends one text message and resolves with the next frame [text or Buffer, isBinary]; 5 s at most. */
export function roundTrip(socket, text) {
  return new Promise((resolveTrip, reject) => {
    const timer = setTimeout(() => {
      socket.handlers = null
      reject(new Error(`no answer to ${text} within 5 s`))
    }, 5000)
    socket.handlers = {
      message(data, isBinary) {
        clearTimeout(timer)
        socket.handlers = null
        resolveTrip([isBinary ? data : data.toString('utf8'), isBinary])
      },
      close(code) {
        clearTimeout(timer)
        socket.handlers = null
        reject(new Error(`the connection closed (${code}) instead of answering ${text}`))
      },
    }
    socket.send(text)
  })
}

export async function waitFor(condition, ms) {
  const until = performance.now() + ms
  while (!condition() && performance.now() < until) await delay(20)
}

/**
 * Each client learns its connection id ({"action":"whoami"}): the @connections paths of the
 * clients, in order, under `stage`.
 */
export async function connectionPaths(name, sockets, stage) {
  const ids = []
  for (const socket of sockets) {
    const [id, isBinary] = await roundTrip(socket, WHOAMI)
    if (isBinary || typeof id !== 'string' || !/^[A-Za-z0-9+/=_-]{8,}$/.test(id)) {
      throw new Error(`[${name}] {"action":"whoami"} answered ${JSON.stringify(id)}, not a connection id`)
    }
    ids.push(id)
  }
  if (new Set(ids).size !== ids.length) throw new Error(`[${name}] two clients got the same connection id`)
  return ids.map((id) => `/${stage}/@connections/${encodeURIComponent(id)}`)
}

/** From now on every client counts the frames it receives: POST_BODY frames, and others. */
export function countFrames(sockets) {
  const frames = { received: 0, unexpected: 0 }
  for (const socket of sockets) {
    socket.handlers = {
      message(data, isBinary) {
        if (!isBinary && POST_BODY_BYTES.equals(data)) frames.received++
        else frames.unexpected++
      },
      close() {},
    }
  }
  return frames
}

/** One POST of POST_BODY to `path` through `pool`. */
export function postBody(pool, path) {
  return pool.request({ path, method: 'POST', body: POST_BODY, headers: { 'content-type': 'application/json' } })
}

/** `loops` loops, each with one POST in flight, round-robin over `paths`, for `seconds`. */
export async function postPhase(pool, paths, seconds, latencyUs, loops) {
  const started = performance.now()
  const deadline = started + seconds * 1000
  let next = 0
  let count = 0
  let ok = 0
  let errors = 0
  const problems = {}
  const statusCodes = {}
  const loop = async () => {
    while (performance.now() < deadline && !session.interrupted) {
      const path = paths[next++ % paths.length]
      const sentAt = performance.now()
      try {
        const { statusCode, body } = await postBody(pool, path)
        await body.dump()
        count++
        statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1
        if (statusCode === 200) {
          ok++
          latencyUs?.record(Math.max(1, Math.round((performance.now() - sentAt) * 1000)))
        } else {
          errors++
          problems[`status ${statusCode}`] = (problems[`status ${statusCode}`] ?? 0) + 1
        }
      } catch (err) {
        errors++
        problems[err.code ?? err.message] = (problems[err.code ?? err.message] ?? 0) + 1
      }
    }
  }
  await Promise.all(Array.from({ length: loops }, loop))
  return { count, ok, errors, problems, statusCodes, seconds: (performance.now() - started) / 1000 }
}
