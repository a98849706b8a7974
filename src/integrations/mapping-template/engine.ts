/**
 * @module
 * API Gateway's Velocity (VTL) on velocityjs: a subclass that adds what API Gateway's
 * Velocity configuration does and velocityjs does not, and nothing else.
 * - `#foreach` runs at most {@link MAX_FOREACH_ITERATIONS} times.
 * - `#break` stops the loop at once (velocityjs finishes the current iteration's text).
 * - A reference to `null` renders empty (velocityjs prints "null").
 * - Objects without a `length` are cleaned up after `#foreach` like lists are.
 * - Java's `String` methods (`replaceAll` with a regex, `length()`, `split`, ...).
 */
import { createRequire } from 'node:module'
import type { parse } from 'velocityjs'
import { JAVA_METHOD_HANDLERS } from './java-methods.js'

type Asts = ReturnType<typeof parse>

/** `#foreach` is limited to 1,000 iterations per loop (AWS's mapping-template reference). `[DOC]` */
export const MAX_FOREACH_ITERATIONS = 1000

/** Thrown out of a render when a template breaks a rule of API Gateway's Velocity. */
export class TemplateLimitError extends Error {
  override readonly name = 'TemplateLimitError'
}

interface EachAst {
  readonly from: object
  readonly to: string
  readonly pos?: { first_line: number; first_column: number }
}

let loops = 0

const require = createRequire(import.meta.url)

/**
 * API Gateway's Velocity engine for `asts`. The class is defined, and velocityjs loaded, with
 * the first template: a gateway without mapping templates never loads them at start
 * (issue 16, target 5).
 */
export function apiGatewayVelocity(asts: Asts): InstanceType<ReturnType<typeof defineEngine>> {
  engine ??= defineEngine()
  return new engine(asts)
}

let engine: ReturnType<typeof defineEngine> | undefined

function defineEngine() {
  const { Compile } = require('velocityjs') as typeof import('velocityjs')
  return class ApiGatewayVelocity extends Compile {
    constructor(asts: Asts) {
      // `escape: false`: mapping templates are not HTML.
      super(asts, { escape: false, customMethodHandlers: [...JAVA_METHOD_HANDLERS] })
    }

    override renderAstList(asts?: Asts, contextId?: string): string {
      if (asts === undefined) return super.renderAstList(asts, contextId)
      // Render statement by statement so that `#break` stops the text that follows it.
      let out = ''
      let i = 0
      while (i < asts.length && !this.runState.break && !this.runState.stop) {
        out += super.renderAstList([asts[i] as Asts[number]], contextId)
        i++
      }
      return out
    }

    protected override getReferences(ast: Asts[number], isVal?: boolean): string {
      const value: unknown = super.getReferences(ast, isVal)
      return (isVal === true && value === null ? '' : value) as string
    }

    getBlockEach(block: Asts): string {
      const ast = block[0] as unknown as EachAst
      const from: unknown = this.getLiteral({ ...ast.from, pos: ast.pos } as unknown as Asts[number])
      if (from === null || typeof from !== 'object') return ''
      const items: unknown[] = Array.isArray(from) ? from : Object.values(from)
      if (items.length > MAX_FOREACH_ITERATIONS) {
        const line = ast.pos === undefined ? '' : ` (template line ${ast.pos.first_line})`
        throw new TemplateLimitError(`#foreach over ${items.length} items: API Gateway runs at most ${MAX_FOREACH_ITERATIONS} iterations${line}`)
      }
      const body = block.slice(1)
      const contextId = `foreach:${++loops}`
      const local: Record<string, unknown> = {}
      let out = ''
      for (let i = 0; i < items.length && !this.runState.break && !this.runState.stop; i++) {
        local[ast.to] = items[i]
        local['foreach'] = { count: i + 1, index: i, hasNext: i + 1 < items.length, first: i === 0, last: i + 1 === items.length }
        local['velocityCount'] = i + 1
        this.local[contextId] = local
        out += this.renderAstList(body, contextId)
      }
      this.runState.break = false
      delete this.local[contextId]
      const at = this.conditions.indexOf(contextId)
      if (at >= 0) this.conditions.splice(at, 1)
      this.contextId = this.conditions[0] ?? ''
      return out
    }
  }
}
