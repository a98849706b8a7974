/**
 * @module
 * The gateway's own structured log (startup, reloads, problems). Disabled levels are
 * no-ops, so a `debug` call on the hot path costs one function call. Lines go to stderr
 * (stdout carries the listening banner and function logs), as text by default or JSON.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export type LogFields = Readonly<Record<string, unknown>>

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

export interface LoggerOptions {
  readonly level?: LogLevel
  readonly format?: 'text' | 'json'
  readonly write?: (line: string) => void
}

const noop = (): void => {}
const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info'
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'))
  const json = options.format === 'json'
  const make = (name: Exclude<LogLevel, 'silent'>) => {
    if (RANK[name] < RANK[level]) return noop
    return (message: string, fields?: LogFields) => {
      if (json) {
        write(JSON.stringify({ time: new Date().toISOString(), level: name, msg: message, ...fields }))
      } else {
        const extra = fields === undefined ? '' : ' ' + Object.entries(fields).map(([k, v]) => `${k}=${render(v)}`).join(' ')
        write(`${new Date().toISOString()} ${name.toUpperCase().padEnd(5)} ${message}${extra}`)
      }
    }
  }
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') }
}

function render(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v
  if (v instanceof Error) return JSON.stringify(v.stack ?? v.message)
  return JSON.stringify(v) ?? String(v)
}

