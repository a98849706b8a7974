#!/usr/bin/env node
// A tiny chat client (no wscat or websocat needed): joins the chat, sends a message, prints
// everything it receives, and sends each line typed on stdin as another message.
//
//   node examples/chat/client.mjs "hello everyone"
//   node examples/chat/client.mjs --url ws://127.0.0.1:3001/prod --once "hi"
//
// --once exits as soon as its own message comes back (the broadcast includes the sender).
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.CHAT_URL ?? 'ws://127.0.0.1:3001/prod' },
    once: { type: 'boolean', default: false },
  },
})
const message = positionals.join(' ') || `hello from ${process.pid}`

const ws = new WebSocket(values.url)
const send = (data) => ws.send(JSON.stringify({ action: 'sendmessage', data }))

ws.on('open', () => {
  console.log(`* joined ${values.url}`)
  send(message)
  console.log(`> ${message}`)
  if (values.once) return
  console.log('* type a line to send it, Ctrl+C to leave')
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      if (line.trim() !== '') send(line)
    })
    .on('close', () => ws.close(1000, 'bye'))
})
ws.on('message', (data) => {
  const text = data.toString('utf8')
  console.log(`< ${text}`)
  if (values.once && text === message) ws.close(1000, 'bye')
})
ws.on('error', (err) => {
  console.error(`Cannot connect to ${values.url}: ${err.message} (is the gateway running?)`)
  process.exitCode = 1
})
ws.on('close', () => {
  console.log('* left the chat')
  process.exit()
})
process.on('SIGINT', () => ws.close(1000, 'bye'))
