/**
 * @module
 * `$util` of API Gateway mapping templates (spec 10.5): the Java functions AWS exposes,
 * with Java's output byte for byte where it differs from JavaScript's (Commons Lang
 * `escapeJavaScript`, `java.net.URLEncoder`).
 */

/**
 * Commons Lang 2 `StringEscapeUtils.escapeJavaScript`, which API Gateway documents for
 * `$util.escapeJavaScript`: `'` becomes `\'` (not valid JSON, as AWS's docs warn), `/`
 * becomes `\/`, controls and everything above U+007F become `\uXXXX` in upper-case hex.
 */
export function escapeJavaScript(value: unknown): string {
  const s = stringOf(value)
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`
    else if (c < 0x20) {
      switch (c) {
        case 0x08: out += '\\b'; break
        case 0x09: out += '\\t'; break
        case 0x0a: out += '\\n'; break
        case 0x0c: out += '\\f'; break
        case 0x0d: out += '\\r'; break
        default: out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`
      }
    } else if (c === 0x22) out += '\\"'
    else if (c === 0x27) out += "\\'"
    else if (c === 0x5c) out += '\\\\'
    else if (c === 0x2f) out += '\\/'
    else out += s[i]
  }
  return out
}

/** `java.net.URLEncoder.encode(s, "UTF-8")`: space is `+`; only `A-Za-z0-9.-*_` stay as they are. */
export function urlEncode(value: unknown): string {
  return encodeURIComponent(stringOf(value))
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
}

/** `java.net.URLDecoder.decode(s, "UTF-8")`: `+` is a space; a malformed escape is an error. */
export function urlDecode(value: unknown): string {
  try {
    return decodeURIComponent(stringOf(value).replace(/\+/g, ' '))
  } catch {
    throw new TypeError(`$util.urlDecode: "${stringOf(value)}" has a malformed % escape`)
  }
}

export function base64Encode(value: unknown): string {
  return Buffer.from(stringOf(value), 'utf8').toString('base64')
}

export function base64Decode(value: unknown): string {
  return Buffer.from(stringOf(value), 'base64').toString('utf8')
}

/** A JSON text as an object templates can walk; malformed JSON is a render error. */
export function parseJson(value: unknown): unknown {
  try {
    return JSON.parse(stringOf(value)) as unknown
  } catch (err) {
    throw new TypeError(`$util.parseJson: ${(err as Error).message}`)
  }
}

function stringOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'string' ? value : String(value)
}

/** A fresh `$util` per render: velocityjs adds an `eval` helper to objects whose methods a template calls. */
export function utilObject(): Record<string, (value: unknown) => unknown> {
  return { escapeJavaScript, urlEncode, urlDecode, base64Encode, base64Decode, parseJson }
}
