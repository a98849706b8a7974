// examples/chat served as shipped (the config file path, its own handlers): real `ws` clients
// join, one sends {"action":"sendmessage","data":"hello"} and every connected client receives
// `hello` through the @connections API; a client that left is forgotten, whether its
// $disconnect cleaned up or the broadcast found it gone (GoneException).
//
// The example keeps connection ids under os.tmpdir()/gatehouse-chat/{apiId}-{stage}/ (one
// file per connection). Each test points TMPDIR at a fresh directory before the gateway starts
// (execution environments copy the gateway's environment), so runs never share that store.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { repoRoot } from '../helpers/paths.js'
import { SDK_NODE_VERSION_WARNING_SWITCH } from '../../src/functions/index.js'
import { newWs, opened, waitFor as waitForWithin, wsUrl } from '../helpers/ws-client.js'

const CONFIG = join(repoRoot, 'examples', 'chat', 'gatehouse.yaml')
const WAIT_MS = 10_000
const USAGE = 'Use {"action":"sendmessage","data":"your message"} to talk to everyone in the chat.'

interface Chat {
  readonly gw: StartedGateway
  /** The example's connection store for this run. */
  readonly store: string
}

/** The example's gateway, with a private TMPDIR for its connection store. */
async function startChat(t: TestContext): Promise<Chat> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-chat-test-'))
  const saved = process.env['TMPDIR']
  process.env['TMPDIR'] = dir
  t.after(() => {
    if (saved === undefined) delete process.env['TMPDIR']
    else process.env['TMPDIR'] = saved
    rmSync(dir, { recursive: true, force: true })
  })
  const gw = await startGateway(t, CONFIG)
  return { gw, store: join(dir, 'gatehouse-chat', 'chat000001-prod') }
}

function storedIds(chat: Chat): string[] {
  return existsSync(chat.store) ? readdirSync(chat.store).map((name) => decodeURIComponent(name)).sort() : []
}

function waitFor<T>(what: string, probe: () => T | undefined | null | false): Promise<T> {
  return waitForWithin(what, probe, WAIT_MS, 10)
}

interface Client {
  readonly ws: WebSocket
  readonly received: string[]
}

async function joinChat(t: TestContext, chat: Chat): Promise<Client> {
  const ws = newWs(t, wsUrl(chat.gw.url, '/prod'))
  const received: string[] = []
  ws.on('message', (data: Buffer) => received.push(data.toString('utf8')))
  await opened(ws)
  return { ws, received }
}

function receives(client: Client, text: string): Promise<true> {
  return waitFor(`"${text}"`, () => client.received.includes(text))
}

test('examples/chat: sendmessage reaches every connected client, the sender included', async (t) => {
  const chat = await startChat(t)
  const [alice, bob] = await Promise.all([joinChat(t, chat), joinChat(t, chat)])
  // $connect completes before the handshake does: both ids are stored once both are open.
  assert.equal(storedIds(chat).length, 2)

  alice.ws.send('{"action":"sendmessage","data":"hello"}')
  await Promise.all([receives(alice, 'hello'), receives(bob, 'hello')])

  bob.ws.send(JSON.stringify({ action: 'sendmessage', data: 'hi alice' }))
  await Promise.all([receives(alice, 'hi alice'), receives(bob, 'hi alice')])
  assert.deepEqual(alice.received, ['hello', 'hi alice'])
  assert.deepEqual(bob.received, ['hello', 'hi alice'])
})

test('examples/chat: a client that left is cleaned up ($disconnect, or GoneException when that did not happen)', async (t) => {
  const chat = await startChat(t)
  const alice = await joinChat(t, chat)
  const bob = await joinChat(t, chat)
  const before = storedIds(chat)
  const carol = await joinChat(t, chat)
  const all = storedIds(chat)
  assert.equal(all.length, 3)
  const carolId = all.find((id) => !before.includes(id)) as string

  // Carol leaves: her $disconnect removes her id.
  carol.ws.close(1000, 'bye')
  await waitFor('carol to be forgotten', () => !storedIds(chat).includes(carolId))
  assert.deepEqual(storedIds(chat), before)

  // An id whose $disconnect never ran (best effort on AWS; here a gateway that stopped):
  // the next broadcast gets GoneException for it and drops it.
  mkdirSync(chat.store, { recursive: true })
  writeFileSync(join(chat.store, encodeURIComponent('c3RhbGVjb25uZWN0aW9u=')), '')
  assert.equal(storedIds(chat).length, 3)

  alice.ws.send('{"action":"sendmessage","data":"hello"}')
  await Promise.all([receives(alice, 'hello'), receives(bob, 'hello')])
  await waitFor('the stale id to be dropped', () => !storedIds(chat).includes('c3RhbGVjb25uZWN0aW9u='))
  assert.deepEqual(storedIds(chat), before)
  assert.ok(!carol.received.includes('hello'))
  await waitFor('the log line about it', () => chat.gw.logs.some((l) => l.includes('Found stale connection, deleting c3RhbGVjb25uZWN0aW9u=')))
})

test('examples/chat: anything else gets the usage text from the two-way $default route', async (t) => {
  const chat = await startChat(t)
  const alice = await joinChat(t, chat)
  alice.ws.send('not json')
  await receives(alice, USAGE)
  alice.ws.send('{"action":"shout","data":"x"}')
  await waitFor('a second usage text', () => alice.received.filter((m) => m === USAGE).length === 2)
})

test('examples/chat: the SDK\'s NodeVersionSupportWarning does not reach the function log on a cold start (SDK_NODE_VERSION_WARNING_SWITCH), unless the host turns it back on', async (t) => {
  const saved = process.env[SDK_NODE_VERSION_WARNING_SWITCH]
  t.after(() => {
    if (saved === undefined) delete process.env[SDK_NODE_VERSION_WARNING_SWITCH]
    else process.env[SDK_NODE_VERSION_WARNING_SWITCH] = saved
  })
  const coldStartLog = async (hostValue: string | undefined): Promise<string[]> => {
    if (hostValue === undefined) delete process.env[SDK_NODE_VERSION_WARNING_SWITCH]
    else process.env[SDK_NODE_VERSION_WARNING_SWITCH] = hostValue
    const chat = await startChat(t)
    const alice = await joinChat(t, chat)
    alice.ws.send('{"action":"sendmessage","data":"cold"}')
    await receives(alice, 'cold')
    await waitFor('the REPORT line of sendmessage', () => chat.gw.logs.filter((l) => l.startsWith('REPORT')).length >= 2)
    // Warnings are printed asynchronously after the module loads: give one a moment to arrive.
    await new Promise((r) => setTimeout(r, 200))
    return chat.gw.logs
  }
  const quiet = await coldStartLog(undefined)
  assert.ok(!quiet.some((l) => l.includes('NodeVersionSupportWarning')), quiet.join('\n'))
  if (Number(process.versions.node.split('.')[0]) < 22) {
    // The SDK still warns where the host asks for it: the check above is not vacuous.
    const loud = await coldStartLog('false')
    assert.ok(loud.some((l) => l.includes('NodeVersionSupportWarning')), loud.join('\n'))
  }
})

test('examples/chat: every package its handlers import is installed by a plain `npm install`, --omit=dev included (not a devDependency)', async () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> }
  const srcDir = join(repoRoot, 'examples', 'chat', 'src')
  const imported = new Set<string>()
  for (const file of readdirSync(srcDir)) {
    for (const m of readFileSync(join(srcDir, file), 'utf8').matchAll(/from '((?:@[^/']+\/)?[^./'][^/']*)/g)) {
      if (!(m[1] as string).startsWith('node:')) imported.add(m[1] as string)
    }
  }
  assert.ok(imported.has('@aws-sdk/client-apigatewaymanagementapi'), [...imported].join(', '))
  for (const name of imported) {
    assert.ok(pkg['dependencies']?.[name] !== undefined || pkg['optionalDependencies']?.[name] !== undefined, `${name} is installed without dev dependencies`)
    assert.equal(pkg['devDependencies']?.[name], undefined, `${name} is not a devDependency`)
    assert.notEqual(lock.packages[`node_modules/${name}`]?.dev, true, `${name} is not dev-only in package-lock.json`)
  }
})
