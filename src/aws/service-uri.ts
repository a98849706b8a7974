/**
 * @module
 * API Gateway service integration URIs (spec 10.6):
 * `arn:aws:apigateway:{region}:{service}:action/{Action}` (an action of a JSON-protocol
 * service, or `?Action=` for others) and `arn:aws:apigateway:{region}:{service}:path/{path}`
 * (a REST-style path on the service endpoint). Lambda's invocation ARN is not one of these.
 */

export type ServiceUri =
  | { ok: true; region: string; service: string; kind: 'action'; action: string }
  | { ok: true; region: string; service: string; kind: 'path'; path: string }
  | { ok: false; reason: string }

const ARN = /^arn:aws[a-z-]*:apigateway:([a-z0-9-]*):([a-z0-9.-]+):(action|path)\/(.+)$/

export function parseServiceUri(uri: string): ServiceUri {
  const m = ARN.exec(uri)
  if (m === null) return { ok: false, reason: `"${uri}" is not an API Gateway service ARN: arn:aws:apigateway:{region}:{service}:action/{Action} or ...:path/{path}` }
  const [, region, service, kind, rest] = m as unknown as [string, string, string, string, string]
  if (kind === 'action') {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(rest)) return { ok: false, reason: `"${rest}" is not an action name` }
    return { ok: true, region, service, kind: 'action', action: rest }
  }
  return { ok: true, region, service, kind: 'path', path: `/${rest.replace(/^\/+/, '')}` }
}
