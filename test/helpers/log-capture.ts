// A gateway logger that keeps its lines, and waits on what a node says about Redis.
import { createLogger, type Logger } from '../../src/index.js'
import { waitFor } from './ws-client.js'

export interface CapturedLog {
  readonly logger: Logger
  readonly lines: string[]
}

export function captureLog(): CapturedLog {
  const lines: string[] = []
  return { logger: createLogger({ level: 'info', write: (line) => lines.push(line) }), lines }
}

const UNAVAILABLE = /Redis unavailable \(.*\): using per-node fallback/
const BACK = /Redis is back/

export const redisUnavailableLines = (log: CapturedLog): string[] => log.lines.filter((l) => UNAVAILABLE.test(l))
export const redisBackLines = (log: CapturedLog): string[] => log.lines.filter((l) => BACK.test(l))

/** Resolves once the node has said Redis is back (at least `times` times) and not lost it since. */
export function redisBack(log: CapturedLog, what: string, ms: number, times = 1): Promise<true> {
  return waitFor(
    `${what}: "Redis is back" after the last "Redis unavailable"\n${log.lines.join('\n')}`,
    () => {
      const back = redisBackLines(log).length
      return back >= times && back === redisUnavailableLines(log).length
    },
    ms,
    20
  )
}
