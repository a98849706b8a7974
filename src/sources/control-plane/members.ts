/**
 * @module
 * Reads request members with the model's types, answering a wrong type, a missing required
 * member or a value outside its enum with `BadRequestException` naming the member.
 */
import { badRequest, ControlPlaneError } from './errors.js'
import type { Wire } from './state.js'

export class Members {
  readonly #body: Wire
  readonly #error: (message: string) => ControlPlaneError
  /** `corsConfiguration.` for the members of a nested structure, so messages name the full path. */
  readonly #prefix: string

  constructor(body: Wire, error: (message: string) => ControlPlaneError = badRequest, prefix = '') {
    this.#body = body
    this.#error = error
    this.#prefix = prefix
  }

  has(name: string): boolean {
    return this.#body[name] !== undefined && this.#body[name] !== null
  }

  /** Names of the members present (for "only on HTTP APIs" checks). */
  present(names: readonly string[]): string[] {
    return names.filter((n) => this.has(n))
  }

  str(name: string, options: { required?: boolean; oneOf?: readonly string[]; pattern?: RegExp; maxLength?: number } = {}): string | undefined {
    const v = this.#body[name]
    if (v === undefined || v === null) {
      if (options.required === true) throw this.#error(`${this.#prefix}${name} is required`)
      return undefined
    }
    if (typeof v !== 'string') throw this.#error(`Invalid ${this.#prefix}${name}: expected a string`)
    if (options.oneOf !== undefined && !options.oneOf.includes(v)) throw this.#error(`Invalid ${this.#prefix}${name} specified: "${v}". Must be one of [${options.oneOf.join(', ')}]`)
    if (options.pattern !== undefined && !options.pattern.test(v)) throw this.#error(`Invalid ${this.#prefix}${name} specified: "${v}"`)
    if (options.maxLength !== undefined && v.length > options.maxLength) throw this.#error(`${this.#prefix}${name} must be at most ${options.maxLength} characters`)
    return v
  }

  bool(name: string): boolean | undefined {
    const v = this.#body[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'boolean') throw this.#error(`Invalid ${this.#prefix}${name}: expected a boolean`)
    return v
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.#body[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.#error(`Invalid ${this.#prefix}${name}: expected an integer`)
    if (v < min || v > max) throw this.#error(`${this.#prefix}${name} must be between ${min} and ${max}`)
    return v
  }

  num(name: string, min: number): number | undefined {
    const v = this.#body[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.#error(`Invalid ${this.#prefix}${name}: expected a number`)
    if (v < min) throw this.#error(`${this.#prefix}${name} must be at least ${min}`)
    return v
  }

  strList(name: string, options: { required?: boolean; maxItems?: number } = {}): string[] | undefined {
    const v = this.#body[name]
    if (v === undefined || v === null) {
      if (options.required === true) throw this.#error(`${this.#prefix}${name} is required`)
      return undefined
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw this.#error(`Invalid ${this.#prefix}${name}: expected a list of strings`)
    if (options.maxItems !== undefined && v.length > options.maxItems) throw this.#error(`${this.#prefix}${name} has more than ${options.maxItems} items`)
    return [...(v as string[])]
  }

  strMap(name: string): Record<string, string> | undefined {
    const v = this.#body[name]
    if (v === undefined || v === null) return undefined
    if (!isWire(v) || Object.values(v).some((x) => typeof x !== 'string')) throw this.#error(`Invalid ${this.#prefix}${name}: expected a map of strings`)
    return { ...(v as Record<string, string>) }
  }

  obj(name: string, options: { required?: boolean } = {}): Wire | undefined {
    const v = this.#body[name]
    if (v === undefined || v === null) {
      if (options.required === true) throw this.#error(`${this.#prefix}${name} is required`)
      return undefined
    }
    if (!isWire(v)) throw this.#error(`Invalid ${this.#prefix}${name}: expected an object`)
    return v
  }

  members(name: string, options: { required?: boolean } = {}): Members | undefined {
    const o = this.obj(name, options)
    return o === undefined ? undefined : new Members(o, this.#error, `${this.#prefix}${name}.`)
  }
}

export function isWire(v: unknown): v is Wire {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Sets `target[name]` when `value` is defined: absent members of a PATCH stay unchanged. */
export function assign(target: Wire, name: string, value: unknown): void {
  if (value !== undefined) target[name] = value
}
