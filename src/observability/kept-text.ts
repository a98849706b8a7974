/**
 * @module
 * How the inspector keeps a request's detail: one flat string of length-prefixed fields
 * (`<length>:<text>`, `~` for null) instead of the objects the data plane built (header
 * arrays, pairs, the trace). While a console streams, the last 500 requests stay referenced;
 * held as object graphs they were copied by every young-generation collection and then
 * promoted (the largest cost of a streaming console); one string per request is copied as
 * one block. The console reads a request back only when it opens it.
 */

/** Collects fields; `text()` joins them into one flat string (`join`, not `+`, which leaves a tree of pieces). */
export class FieldWriter {
  readonly #pieces: string[] = []

  str(value: string): this {
    this.#pieces.push(value.length + ':', value)
    return this
  }

  nullable(value: string | null): this {
    if (value === null) this.#pieces.push('~')
    else this.str(value)
    return this
  }

  /** A number as `String` writes it (`Number` reads every finite value, `NaN` and the infinities back exactly; -0 reads as 0). */
  num(value: number): this {
    return this.str(String(value))
  }

  text(): string {
    return this.#pieces.join('')
  }
}

/** Reads back, in order, the fields a `FieldWriter` wrote. */
export class FieldReader {
  readonly #text: string
  #at = 0

  constructor(text: string) {
    this.#text = text
  }

  str(): string {
    const colon = this.#text.indexOf(':', this.#at)
    const start = colon + 1
    const end = start + Number(this.#text.slice(this.#at, colon))
    this.#at = end
    return this.#text.slice(start, end)
  }

  nullable(): string | null {
    if (this.#text.charCodeAt(this.#at) === 126 /* ~ */) {
      this.#at++
      return null
    }
    return this.str()
  }

  num(): number {
    return Number(this.str())
  }
}
