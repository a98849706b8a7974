// How a runtime's end is read through its parent shell (src/functions/runtime-parent.ts), and
// how Lambda words it: a real /bin/sh and setsid run each case, so the shell's own way of
// reporting a signal (128 + its number) is what is decoded.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { Socket } from 'node:net'
import { exitDescription, parentedCommand, readRuntimePid, runtimeExit, SETSID } from '../../src/functions/runtime-parent.js'

test('exitDescription words signals as Lambda (Go) does, and exit codes as "exit status N"', () => {
  assert.equal(exitDescription(7, null), 'exit status 7')
  assert.equal(exitDescription(0, null), 'exit status 0')
  assert.equal(exitDescription(null, 'SIGKILL'), 'signal: killed')
  assert.equal(exitDescription(null, 'SIGSEGV'), 'signal: segmentation fault')
  assert.equal(exitDescription(null, 'SIGABRT'), 'signal: aborted')
  assert.equal(exitDescription(null, 'SIGTERM'), 'signal: terminated')
  assert.equal(exitDescription(null, 'SIGWINCH'), 'signal: SIGWINCH')
})

test('runtimeExit reads 128 + N from the shell as signal N; a status of 128 or less, or past the signals, stays a status', () => {
  assert.deepEqual(runtimeExit(137, null), { code: null, signal: 'SIGKILL' })
  assert.deepEqual(runtimeExit(139, null), { code: null, signal: 'SIGSEGV' })
  assert.deepEqual(runtimeExit(128, null), { code: 128, signal: null })
  assert.deepEqual(runtimeExit(1, null), { code: 1, signal: null })
  assert.deepEqual(runtimeExit(255, null), { code: 255, signal: null })
  // The shell itself killed: that is how the runtime's environment ended.
  assert.deepEqual(runtimeExit(null, 'SIGKILL'), { code: null, signal: 'SIGKILL' })
})

/** Runs `script` under the parent shell as the runtime would be; resolves with its pid as reported, its pgid and how it ended. */
function runParented(script: string, memoryKiB?: number, closeStdin = false): Promise<{ pid: number | undefined; pgid: string; parent: number | undefined; code: number | null; signal: NodeJS.Signals | null }> {
  const setsid = SETSID as string
  const [command, args] = parentedCommand(setsid, '/bin/sh', ['-c', `ps -o pgid= -p $$; ${script}`], memoryKiB, 3)
  // Standard input is the pipe the gateway holds open; its end ends the runtime.
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit', 'pipe'], detached: true })
  if (closeStdin) child.stdin?.end()
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  const pid = new Promise<number | undefined>((resolve) => {
    const stream = child.stdio[3]
    if (stream instanceof Socket) readRuntimePid(stream, resolve)
    else resolve(undefined)
  })
  return new Promise((resolve) =>
    child.once('close', async (code, signal) => resolve({ pid: await pid, pgid: out.split('\n')[0]?.trim() ?? '', parent: child.pid, ...runtimeExit(code, signal) }))
  )
}

test('under its parent shell, a runtime leads its own process group, its pid is reported, and its exit status or signal comes through', { skip: SETSID === undefined && 'no setsid here' }, async () => {
  const exited = await runParented('exit 7')
  assert.ok(exited.pid !== undefined && exited.pid !== exited.parent, 'the runtime is not the process Gatehouse started')
  assert.equal(exited.pgid, String(exited.pid), 'the runtime leads its own group (a freeze reaches what it starts, not its parent)')
  assert.deepEqual([exited.code, exited.signal], [7, null])
  const segv = await runParented('kill -SEGV $$')
  assert.deepEqual([segv.code, segv.signal], [null, 'SIGSEGV'])
  const killed = await runParented('kill -KILL $$')
  assert.deepEqual([killed.code, killed.signal], [null, 'SIGKILL'])
  // [EMU] a runtime exiting 137 by itself cannot be told from one killed: reported as killed.
  const ambiguous = await runParented('exit 137')
  assert.deepEqual([ambiguous.code, ambiguous.signal], [null, 'SIGKILL'])
})

test('the parent shell bounds the runtime\'s data segment (ulimit -d) before starting it', { skip: SETSID === undefined && 'no setsid here' }, async () => {
  const bounded = await runParented('test "$(ulimit -d)" = 65536', 65536)
  assert.deepEqual([bounded.code, bounded.signal], [0, null])
})

test('when the gateway\'s end of the shell\'s standard input closes (the gateway died), the runtime\'s group is killed, frozen or not', { skip: SETSID === undefined && 'no setsid here' }, async () => {
  const orphan = await runParented('kill -STOP $$; sleep 30', undefined, true)
  assert.deepEqual([orphan.code, orphan.signal], [null, 'SIGKILL'])
})
