/**
 * @module
 * Inside an execution environment: makes the `@connections` client of AWS's docs work
 * unchanged. Handlers build it from `https://${requestContext.domainName}/${stage}`, which
 * names the gateway's host without its port (and with https). Every request from `node:http`
 * / `node:https` (what the AWS SDK uses) whose path is an `@connections` path is sent to the
 * gateway's listener instead, whatever its host: a client may have connected with an
 * `execute-api.*.amazonaws.com` Host. Headers (and so SigV4 signatures, which cover the
 * original Host) are untouched.
 */
import http, { type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http'
import https from 'node:https'

const CONNECTIONS_PATH = /\/(@|%40)connections\//i

export function redirectConnectionsRequests(endpoint: string): void {
  const target = new URL(endpoint)
  const nodeHttpRequest = http.request
  const redirect = (original: (...a: unknown[]) => ClientRequest) =>
    function (this: unknown, ...args: unknown[]): ClientRequest {
      const [first, second] = args
      const options = isOptions(first) ? first : undefined
      if (options !== undefined && CONNECTIONS_PATH.test(options.path ?? '')) {
        const { agent: _agent, ...rest } = options
        const rewritten: RequestOptions = { ...rest, protocol: 'http:', hostname: target.hostname, host: target.hostname, port: target.port }
        return typeof second === 'function'
          ? nodeHttpRequest(rewritten, second as (res: IncomingMessage) => void)
          : nodeHttpRequest(rewritten)
      }
      return original.apply(this, args)
    }
  https.request = redirect(https.request as unknown as (...a: unknown[]) => ClientRequest) as unknown as typeof https.request
  http.request = redirect(nodeHttpRequest as unknown as (...a: unknown[]) => ClientRequest) as unknown as typeof http.request
}

function isOptions(value: unknown): value is RequestOptions {
  return typeof value === 'object' && value !== null && !(value instanceof URL)
}
