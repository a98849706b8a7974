/**
 * @module
 * The text of the lines Lambda writes around an invocation (START, END, REPORT, INIT_REPORT), made in one
 * place: the function pool writes them to the function log, and the console's inspector,
 * which keeps an invocation's facts instead of its lines while a console streams, makes the
 * same text (or its JSON, `reportJson`) when a line is shown.
 */
import type { InvocationReport } from '../model/index.js'

export function startLine(requestId: string): string {
  return 'START RequestId: ' + requestId + ' Version: $LATEST'
}

/** The line that closes an init phase that failed (`error\tError Type: …`) or ran past its limit (`timeout`). */
export function initReportLine(durationMs: number, status: string): string {
  return 'INIT_REPORT Init Duration: ' + durationMs.toFixed(2) + ' ms\tPhase: init\tStatus: ' + status
}

export function endLine(requestId: string): string {
  return 'END RequestId: ' + requestId
}

/**
 * The REPORT line; `status` is what a timeout or crash adds at its end. `tab` separates the
 * fields: `\t` in the line, `\\t` in its JSON (`reportJson`).
 */
export function reportLine(report: InvocationReport, status = '', tab = '\t'): string {
  const duration = report.durationMs
  const billed = Math.ceil(duration)
  return (
    'REPORT RequestId: ' + report.requestId + tab + 'Duration: ' + fixed2(duration) + ' ms' + tab + 'Billed Duration: ' + (billed < 2 ** 31 ? billed | 0 : billed) +
    memoryPart(report.memorySizeMB, report.maxMemoryUsedMB, tab) +
    (report.initDurationMs >= 0 ? tab + 'Init Duration: ' + fixed2(report.initDurationMs) + ' ms' : '') +
    status
  )
}

/**
 * ` ms\tMemory Size: … MB\tMax Memory Used: … MB`, kept from the last REPORT with the same
 * separator (the same for every warm invocation of a function, nearly).
 */
class MemoryPart {
  #text = ''
  #memorySize = -1
  #maxMemory = -1

  constructor(readonly tab: string) {}

  of(memorySizeMB: number, maxMemoryUsedMB: number): string {
    if (memorySizeMB !== this.#memorySize || maxMemoryUsedMB !== this.#maxMemory) {
      this.#text = ' ms' + this.tab + 'Memory Size: ' + memorySizeMB + ' MB' + this.tab + 'Max Memory Used: ' + maxMemoryUsedMB + ' MB'
      this.#memorySize = memorySizeMB
      this.#maxMemory = maxMemoryUsedMB
    }
    return this.#text
  }
}

const memoryParts = { line: new MemoryPart('\t'), json: new MemoryPart('\\t') }

function memoryPart(memorySizeMB: number, maxMemoryUsedMB: number, tab: string): string {
  const part = tab === '\t' ? memoryParts.line : tab === '\\t' ? memoryParts.json : null
  return part === null ? ' ms' + tab + 'Memory Size: ' + memorySizeMB + ' MB' + tab + 'Max Memory Used: ' + maxMemoryUsedMB + ' MB' : part.of(memorySizeMB, maxMemoryUsedMB)
}

/**
 * `JSON.stringify(reportLine(report))`, made directly: a REPORT line's only characters JSON
 * escapes are its tabs (the request id is the pool's own UUID).
 */
export function reportJson(report: InvocationReport): string {
  return '"' + reportLine(report, '', '\\t') + '"'
}

/**
 * `value.toFixed(2)`, which costs a call into the runtime each time (two a REPORT line), made
 * from the value times 100 rounded when that is exact: for a value below 10^7 the product is
 * within 10^-7 of its exact value, so its rounding is toFixed's unless it is within 10^-6 of
 * a half, where toFixed itself decides.
 */
export function fixed2(value: number): string {
  const x = value * 100
  const r = Math.round(x)
  if (!(value >= 0 && value < 1e7) || Math.abs(x - r) > 0.499999) return value.toFixed(2)
  // As 32-bit integers (below 10^9 here): V8 writes those from its cache of small numbers, a double through its slow path.
  const whole = Math.floor(r / 100) | 0
  const cents = (r | 0) - whole * 100
  return whole + (cents < 10 ? '.0' : '.') + cents
}
