/**
 * @module
 * The small parent a runtime process gets where the platform allows: `/bin/sh`, which starts
 * the runtime with `setsid` (a session and process group of its own), tells Gatehouse the
 * runtime's pid on a pipe, and waits for it.
 *
 * Why a parent that is not the gateway: every stop and continue of a child process sends its
 * parent `SIGCHLD` (libuv installs its handler without `SA_NOCLDSTOP`), and libuv answers each
 * with one `waitpid` per child process it has. Freezing an environment between invocations
 * (Lambda's semantic) stops and continues it once per invocation, so with ten environments the
 * gateway paid two signal deliveries and twenty `waitpid` calls per invocation: about 30 µs of
 * its CPU (`bench/runtimes-cpu.mjs`; docs/runtimes.md, "fourth pass"). The shell waits in
 * `wait`, which does not report stopped children; the gateway still signals the runtime's
 * process group directly, so a freeze still reaches whatever the runtime started.
 *
 * Where there is no `setsid` (macOS) or no process groups (Windows), the runtime is the
 * gateway's own child, as before.
 */
import { accessSync, constants } from 'node:fs'
import { constants as osConstants } from 'node:os'
import { delimiter, join } from 'node:path'
import type { Readable } from 'node:stream'

/** The `setsid` executable (util-linux, BusyBox), found once on the gateway's own PATH; undefined where there is none. */
export const SETSID: string | undefined = process.platform === 'win32' ? undefined : findExecutable('setsid', process.env['PATH'] ?? '')

function findExecutable(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not here.
    }
  }
  return undefined
}

/**
 * The command that starts `command args` under a parent shell: `sh -c SCRIPT setsid [kib]
 * command args`. With `memoryKiB`, the shell bounds its data segment first (`ulimit -d`, KiB),
 * which the runtime inherits. The runtime's pid is written to descriptor `pidFd`, which the
 * runtime itself does not inherit. The shell's standard input must be a pipe the gateway holds
 * open (and the runtime's is /dev/null): a watcher in the shell reads it, and when it ends (the
 * gateway died without stopping its environments, even by SIGKILL) it ends the runtime's whole
 * group, frozen or not, as Python's PR_SET_PDEATHSIG did when the gateway was its parent.
 */
export function parentedCommand(setsid: string, command: string, args: readonly string[], memoryKiB: number | undefined, pidFd: number): [string, string[]] {
  const script = [
    ...(memoryKiB !== undefined ? ['ulimit -d "$1" || exit', 'shift'] : []),
    // An asynchronous list's stdin is /dev/null before its own redirections: the pipe is kept
    // on descriptor 9 for the watcher.
    'exec 9<&0',
    `"$0" "$@" </dev/null 9<&- ${pidFd}>&- &`,
    'runtime=$!',
    `echo $runtime >&${pidFd}`,
    `exec ${pidFd}>&-`,
    // The pid too: the runtime may not have made its group yet (setsid) when the gateway dies.
    '{ read _ || kill -s KILL -- "-$runtime" "$runtime"; } <&9 2>/dev/null &',
    'watcher=$!',
    'exec 9<&-',
    // `wait` does not report a stopped child: a freeze wakes this shell, nothing more.
    'wait $runtime',
    // Its exit status is the runtime's: its own, or 128 + the signal that ended it.
    'status=$?',
    'kill $watcher 2>/dev/null',
    'exit $status',
  ].join('\n')
  return ['/bin/sh', ['-c', script, setsid, ...(memoryKiB !== undefined ? [String(memoryKiB)] : []), command, ...args]]
}

/**
 * How the runtime ended, from how its parent shell ended: the shell reports a runtime ended by
 * a signal as 128 + its number. `[EMU]` A runtime that exits with such a status itself (137,
 * say) is reported as ended by that signal.
 */
export function runtimeExit(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null } {
  if (signal !== null || code === null || code <= 128) return { code, signal }
  const name = SIGNAL_NAMES.get(code - 128)
  return name === undefined ? { code, signal } : { code: null, signal: name }
}

/**
 * How Lambda words a runtime ended by a signal (`Runtime exited with error: signal: killed`): its
 * Runtime API is written in Go, which names signals as strsignal(3) does. Lambda disables core
 * dumps, so no "(core dumped)" follows. Signals not listed keep their name (`SIGRTMIN`).
 */
export const SIGNAL_WORDS: Readonly<Partial<Record<NodeJS.Signals, string>>> = {
  SIGABRT: 'aborted',
  SIGALRM: 'alarm clock',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGHUP: 'hangup',
  SIGILL: 'illegal instruction',
  SIGINT: 'interrupt',
  SIGKILL: 'killed',
  SIGPIPE: 'broken pipe',
  SIGQUIT: 'quit',
  SIGSEGV: 'segmentation fault',
  SIGSYS: 'bad system call',
  SIGTERM: 'terminated',
  SIGTRAP: 'trace/breakpoint trap',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
}

/** `Runtime exited with error: …`'s tail for a runtime that ended with `code` or by `signal`. */
export function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `signal: ${SIGNAL_WORDS[signal] ?? signal}` : `exit status ${code}`
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]))

/** Calls `onPid` with the pid the parent shell writes to `stream` (once), or with undefined if it ends without one. */
export function readRuntimePid(stream: Readable, onPid: (pid: number | undefined) => void): void {
  let text = ''
  let done = false
  const finish = (pid: number | undefined): void => {
    if (done) return
    done = true
    onPid(pid)
  }
  stream.setEncoding('latin1')
  stream.on('data', (chunk: string) => {
    text += chunk
    const nl = text.indexOf('\n')
    if (nl < 0) return
    const pid = Number(text.slice(0, nl))
    finish(Number.isInteger(pid) && pid > 0 ? pid : undefined)
  })
  stream.once('end', () => finish(undefined))
  stream.once('error', () => finish(undefined))
}
