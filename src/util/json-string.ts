/**
 * @module
 * A string as `JSON.stringify` writes it, without its per-character escaping loop when there
 * is nothing to escape (no quote, backslash, control character or surrogate: every string
 * of an ordinary request). Used on hot paths: the payload 2.0 event's long header values, and
 * the console's summaries and log lines.
 */

/** From this length a regular expression checks a string; below it, a loop of character reads. */
const LONG_STRING = 128
/** What `JSON.stringify` writes as it is between quotes. */
const PLAIN_JSON_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/

/**
 * Whether JSON writes `value` as it is (between quotes); `false` for any surrogate, paired or
 * not (`jsonString` then leaves it to `JSON.stringify`, which escapes only lone ones). A loop is far cheaper than a regular
 * expression's call for the short strings of a summary; for a long one (an 840-character
 * bearer token) the expression's scan costs about half `JSON.stringify`'s (callgrind,
 * docs/benchmarks.md), and a loop over a freshly joined log line costs more than both.
 */
export function isPlainJsonString(value: string): boolean {
  if (value.length >= LONG_STRING) return PLAIN_JSON_STRING.test(value)
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false
  }
  return true
}

/** `JSON.stringify(value)` for a string. */
export function jsonString(value: string): string {
  return isPlainJsonString(value) ? '"' + value + '"' : JSON.stringify(value)
}
