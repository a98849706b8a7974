/**
 * @module
 * What a client sees when the backend cannot be reached or fails before answering
 * (spec 4.1). AWS documents neither `[UNCONFIRMED]`; we follow the spec's proposal, kept in
 * one table: "could not connect" is 503, anything else 500. The reason goes to
 * `$context.integrationErrorMessage`, never to the client.
 */
import { GatewayResponses } from '../../errors/index.js'
import type { GatewayResponse } from '../../model/index.js'

export type UpstreamFailureKind = 'connect' | 'other'

export const HTTP_PROXY_FAILURE_RESPONSES: Readonly<Record<UpstreamFailureKind, GatewayResponse>> = Object.freeze({
  /** Connection refused, DNS failure, unreachable network, connect timeout. */
  connect: GatewayResponses.INTEGRATION_UNREACHABLE,
  /** Reset or closed connection, TLS failure, malformed response. */
  other: GatewayResponses.INTEGRATION_FAILURE,
})

const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** Classifies an error from the backend call and says what happened, in words for the log. */
export function describeUpstreamFailure(err: unknown, origin: string): { kind: UpstreamFailureKind; message: string } {
  const e = (err ?? {}) as NodeJS.ErrnoException & { cause?: unknown }
  // undici wraps socket errors; the cause holds the system error code.
  const cause = (e.cause ?? {}) as NodeJS.ErrnoException
  const code = cause.code ?? e.code ?? 'UNKNOWN'
  const kind: UpstreamFailureKind = CONNECT_CODES.has(code) ? 'connect' : 'other'
  const what = REASONS[code] ?? (isTlsFailure(code) ? 'TLS handshake failed' : code.startsWith('HPE_') ? 'malformed response' : 'request failed')
  return { kind, message: `Could not complete the HTTP_PROXY call to ${origin}: ${what} (${code}: ${cause.message ?? e.message ?? ''})` }
}

/** OpenSSL's certificate verification codes that do not say CERT (Node passes them through). */
const TLS_VERIFY_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
])

function isTlsFailure(code: string): boolean {
  return TLS_VERIFY_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code.startsWith('CRL_')
}

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'DNS lookup failed',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  ECONNRESET: 'connection reset by the backend',
  EPIPE: 'connection closed by the backend',
  UND_ERR_SOCKET: 'connection closed by the backend before it answered',
  UND_ERR_INFO: 'malformed response',
}
