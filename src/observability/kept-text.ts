/**
 * @module
 * How the inspector keeps a request's detail: one flat string of fields instead of the
 * objects the data plane built (header arrays, pairs, the trace). While a console streams,
 * the last 500 requests stay referenced; held as object graphs they were copied by every
 * young-generation collection and then promoted (the largest cost of a streaming console);
 * one string per request is copied as one block. The console reads a request back only when
 * it opens it.
 *
 * A field is its length as one character, then its text; a number is itself as one
 * character. One character holds 0 to 253 (as the character of code 1 + n), so most fields
 * and numbers need no decimal digits at all; a longer length or another number is written as
 * the character of code 255, its decimal digits and `;`. The character of code 0 is null.
 * Every character written is below 256, so the fields alone never make the text two-byte.
 *
 * The writer is a few functions whose results the caller concatenates with `+`, then
 * flattens once (`flat`): each `+` is about as cheap as a string operation gets in V8, where
 * an `Array.prototype.join` of the same pieces costs a fixed few hundred instructions and
 * more per piece, and the one flattening leaves one string instead of a tree of pieces.
 */

/** The null field. */
const NULL = '\u0000'
/** Numbers below this are one character. */
const SMALL = 254
/** Starts a decimal number (ended by `;`). */
const LONG = '\u00ff'

/** A small non-negative integer as one character, or the long form. */
export function num(value: number): string {
  return value >= 0 && value < SMALL && (value | 0) === value ? String.fromCharCode(value + 1) : LONG + String(value) + ';'
}

/** A field: its length, then the text (concatenate the two: `num(v.length) + v`, or use this). */
export function str(value: string): string {
  return num(value.length) + value
}

export function nullable(value: string | null): string {
  return value === null ? NULL : num(value.length) + value
}

/**
 * The text as one flat string. Reading a character makes V8 flatten a concatenation in place
 * (a tree of pieces becomes one sequential string, which a scavenge copies as one block);
 * the read is kept by returning through it.
 */
export function flat(text: string): string {
  return text.charCodeAt(0) === 0xffff ? text + '' : text
}

/** Reads back, in order, the fields written with `num`, `str` and `nullable` from `at` on. */
export class FieldReader {
  readonly #text: string
  #at: number

  constructor(text: string, at = 0) {
    this.#text = text
    this.#at = at
  }

  num(): number {
    const c = this.#text.charCodeAt(this.#at)
    if (c !== 255) {
      this.#at++
      return c - 1
    }
    const end = this.#text.indexOf(';', this.#at + 1)
    const value = Number(this.#text.slice(this.#at + 1, end))
    this.#at = end + 1
    return value
  }

  str(): string {
    const length = this.num()
    const start = this.#at
    this.#at += length
    return this.#text.slice(start, this.#at)
  }

  nullable(): string | null {
    if (this.#text.charCodeAt(this.#at) === 0) {
      this.#at++
      return null
    }
    return this.str()
  }
}
