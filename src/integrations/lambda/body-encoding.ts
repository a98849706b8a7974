/**
 * @module
 * The request body rule for Lambda events (spec 3.2.1). HTTP APIs have no binary media
 * types: only textual content types are delivered as plain strings; everything else,
 * including form posts and a body without a content type, is base64-encoded.
 */

/**
 * Media types delivered as text (`[OBS]`). Structured-suffix types such as
 * `application/vnd.api+json` are not covered by any report and are base64 (`[UNCONFIRMED]`).
 */
export const TEXTUAL_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
])

export function isTextualContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const semi = contentType.indexOf(';')
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
  return type.startsWith('text/') || TEXTUAL_MEDIA_TYPES.has(type)
}

export interface EncodedBody {
  readonly body: string
  readonly isBase64Encoded: boolean
}

export function encodeRequestBody(body: Buffer, contentType: string | undefined): EncodedBody {
  return isTextualContentType(contentType)
    ? { body: body.toString('utf8'), isBase64Encoded: false }
    : { body: body.toString('base64'), isBase64Encoded: true }
}
