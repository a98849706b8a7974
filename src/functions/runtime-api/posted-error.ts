/**
 * @module
 * A posted error (`/invocation/{id}/error`, `/init/error`) as the invocation's error, the same
 * from either transport.
 */
import type { FunctionErrorPayload } from '../../model/index.js'
import { UNKNOWN_ERROR_TYPE } from './answers.js'
import type { PostedBody } from './calls.js'

/**
 * The body's `errorType`/`errorMessage`/`stackTrace` when it is Lambda's error JSON, else the
 * `Lambda-Runtime-Function-Error-Type` header's value (what Lambda falls back to).
 */
export function postedError(errorTypeHeader: string | undefined, body: PostedBody): FunctionErrorPayload {
  const headerType = errorTypeHeader !== undefined && errorTypeHeader !== '' ? errorTypeHeader : undefined
  let parsed: unknown
  try {
    parsed = body.text === '' ? undefined : JSON.parse(body.text)
  } catch {
    parsed = undefined
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>
    const trace = Array.isArray(o['stackTrace']) ? o['stackTrace'].map(String) : []
    return {
      errorType: typeof o['errorType'] === 'string' && o['errorType'] !== '' ? o['errorType'] : (headerType ?? UNKNOWN_ERROR_TYPE),
      errorMessage: typeof o['errorMessage'] === 'string' ? o['errorMessage'] : '',
      trace,
    }
  }
  return { errorType: headerType ?? UNKNOWN_ERROR_TYPE, errorMessage: body.text, trace: [] }
}
