// Server children and the bench's own lifetime: servers are spawned on 127.0.0.1 port 0 and
// awaited until they print their URL; on exit, error, SIGINT or SIGTERM the load in progress
// stops and no child outlives the bench.
import { spawn } from 'node:child_process'
import { ROOT } from './paths.mjs'
import { delay, indent } from './util.mjs'

/** `interrupted` once SIGINT/SIGTERM arrived; `currentRun` is the autocannon run in progress (see load.mjs). */
export const session = { interrupted: false, currentRun: undefined }

/** Child processes still alive; all of them are killed on exit, error and SIGINT. */
const children = new Set()

/**
 * Stops the load and the servers on SIGINT/SIGTERM (exit code 130), and kills whatever children
 * are left when the process leaves by any path; `cleanup` (e.g. removing a temporary directory)
 * runs on exit too.
 */
export function installShutdownHandlers(cleanup = () => {}) {
  process.on('SIGINT', () => void interrupt('SIGINT'))
  process.on('SIGTERM', () => void interrupt('SIGTERM'))
  // Last resort if the process leaves by any other path: children must not outlive the bench.
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL')
    cleanup()
  })
}

async function interrupt(signal) {
  if (session.interrupted) return
  session.interrupted = true
  process.stderr.write(`\nbench: ${signal}; stopping load and servers\n`)
  session.currentRun?.stop?.()
  await killAll()
  process.exit(130)
}

/** Runs the bench's main function, then stops every child and cleans up; an error exits 1. */
export function runMain(main, cleanup = () => {}) {
  main().then(
    async () => {
      await killAll()
      cleanup()
    },
    async (err) => {
      process.stderr.write(`bench: ${err?.stack ?? err}\n`)
      await killAll()
      cleanup()
      process.exitCode = 1
    }
  )
}

/**
 * Spawns `node <argv>` and resolves once it prints its URL. With `cpu`, the child runs under
 * `taskset -c <cpu>` (taskset execs node, so the pid is node's). With `https`, it also waits for
 * the gateway's `HTTPS (custom domain names: ...) listening on https://...` line and resolves
 * with `httpsUrl` too. With `openFiles`, the child's soft `ulimit -n` is raised to it first.
 */
export function startServer(name, argv, { cpu, https = false, openFiles } = {}) {
  return new Promise((resolve, reject) => {
    let [command, args] = cpu === undefined ? [process.execPath, argv] : ['taskset', ['-c', String(cpu), process.execPath, ...argv]]
    // With `openFiles`, a shell raises the soft open-files limit, then execs (same pid).
    if (openFiles !== undefined) [command, args] = ['sh', ['-c', `ulimit -n ${Number(openFiles)} && exec "$0" "$@"`, command, ...args]]
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.add(child)
    let stdout = ''
    let stderr = ''
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
    exited.then(() => children.delete(child))
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk) => {
      // Keep the tail only: a warning per request must not exhaust memory.
      stderr = (stderr + chunk).slice(-20000)
    })
    child.stdout.setEncoding('utf8')
    // BENCH_START_TIMEOUT: a heavily shared machine can take longer than 20 s to start a gateway.
    const startSeconds = Number(process.env.BENCH_START_TIMEOUT) > 0 ? Number(process.env.BENCH_START_TIMEOUT) : 20
    const timer = setTimeout(() => fail(new Error(`did not print its URL within ${startSeconds} s`)), startSeconds * 1000)
    const onData = (chunk) => {
      stdout += chunk
      const m = /listening on (https?:\/\/[^\s]+)/i.exec(stdout)
      if (m === null) return
      const h = https ? /^HTTPS \(.*\) listening on (https:\/\/[^\s]+)/m.exec(stdout) : undefined
      if (h === null) return
      clearTimeout(timer)
      // Keep draining stdout so the child never blocks on a full pipe.
      child.stdout.off('data', onData)
      child.stdout.resume()
      const httpsUrl = h === undefined ? {} : { httpsUrl: h[1].replace(/\/$/, '') }
      resolve({ child, exited, url: m[1].replace(/\/$/, ''), ...httpsUrl, stderr: () => stderr })
    }
    child.stdout.on('data', onData)
    child.once('error', (err) => fail(err))
    exited.then(({ code, signal }) => fail(new Error(`exited (${signal ?? 'code ' + code}) before listening`)))
    function fail(err) {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`[${name}] server ${err.message}\n${indent((stdout + stderr).trim())}`))
    }
  })
}

/** SIGTERM (the gateway finishes requests in flight and stops its environments), then SIGKILL. */
export async function stopServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return
  server.child.kill('SIGTERM')
  const killed = await Promise.race([server.exited.then(() => true), delay(5000).then(() => false)])
  if (!killed) {
    server.child.kill('SIGKILL')
    await server.exited
  }
}

/** Stops a scenario's servers (`{ role, server }`, in start order) in reverse, then prints what each wrote to stderr. */
export async function stopServers(name, servers) {
  for (const { server } of [...servers].reverse()) await stopServer(server)
  for (const { role, server } of servers) {
    if (server.stderr().trim() !== '') console.log(`[${name}] ${role} stderr:\n${indent(server.stderr().trim())}`)
  }
}

export async function killAll() {
  await Promise.all(
    [...children].map(async (child) => {
      const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)))
      child.kill('SIGTERM')
      const done = await Promise.race([exited.then(() => true), delay(3000).then(() => false)])
      if (!done) child.kill('SIGKILL')
      children.delete(child)
    })
  )
}

/**
 * Sends `message` (unless null) to a forked client process and resolves with its next message
 * of `type` (default: the message); rejects if it exits first or does not answer in time.
 */
export function requestChild(child, message, type = message, timeoutMs = 10_000) {
  return new Promise((resolveReply, reject) => {
    const timer = setTimeout(() => fail(new Error(`a client process did not answer "${type}" within ${timeoutMs / 1000} s`)), timeoutMs)
    const onMessage = (m) => {
      if (m?.type !== type) return
      cleanup()
      resolveReply(m)
    }
    const onExit = (code, signal) => fail(new Error(`a client process exited (${signal ?? 'code ' + code}) before answering "${type}"`))
    const cleanup = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const fail = (err) => {
      cleanup()
      reject(err)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
    if (message !== null) child.send(message)
  })
}

/** Tells forked clients (`{ child, exited }`) to close, and kills those still running after `graceMs`. */
export async function closeChildClients(clients, graceMs) {
  for (const c of clients) if (c.child.connected) c.child.send('close')
  await Promise.all(
    clients.map(async (c) => {
      const done = await Promise.race([c.exited.then(() => true), delay(graceMs).then(() => false)])
      if (!done) {
        c.child.kill('SIGKILL')
        await c.exited
      }
    })
  )
}
