/**
 * @module
 * The HTTP API `$context` variables (spec 9.3), each as a function of a finished request.
 * Shared by access logs now and by parameter mapping later. A value that does not apply to
 * the request is `undefined` and renders as `-` `[UNCONFIRMED]`.
 */
import { clfTime } from '../http/clf-time.js'
import type { RequestContext } from '../http/request-context.js'

export type ContextValue = string | number | undefined
export type ContextGetter = (ctx: RequestContext) => ContextValue

const positive = (n: number): number | undefined => (n < 0 ? undefined : n)
const text = (s: string): string | undefined => (s === '' ? undefined : s)
const none: ContextGetter = () => undefined

/** `$context.` variables by name (without the `$context.` prefix). */
export const CONTEXT_VARIABLES: Readonly<Record<string, ContextGetter>> = {
  accountId: (c) => c.accountId,
  apiId: (c) => c.api?.apiId,
  // Authorizers are not implemented yet: nothing authorizes, so these are absent.
  'authorizer.error': none,
  'authorizer.principalId': none,
  // Lambda is the AWS endpoint a Lambda proxy integration calls: its request id.
  awsEndpointRequestId: (c) => text(c.integrationRequestId),
  awsEndpointRequestId2: none,
  'customDomain.basePathMatched': none,
  dataProcessed: (c) => c.body.length + c.responseLength,
  domainName: (c) => c.domainName,
  domainPrefix: (c) => c.domainPrefix,
  'error.message': (c) => c.error?.message,
  // Already a quoted JSON string, meant to be used unquoted in JSON formats (`"e":$context.error.messageString`).
  'error.messageString': (c) => (c.error === null ? undefined : JSON.stringify(c.error.message)),
  'error.responseType': (c) => c.error?.responseType,
  extendedRequestId: (c) => c.requestId,
  httpMethod: (c) => c.method,
  'identity.accountId': none,
  'identity.caller': none,
  'identity.cognitoAuthenticationProvider': none,
  'identity.cognitoAuthenticationType': none,
  'identity.cognitoIdentityId': none,
  'identity.cognitoIdentityPoolId': none,
  'identity.principalOrgId': none,
  'identity.clientCert.clientCertPem': none,
  'identity.clientCert.subjectDN': none,
  'identity.clientCert.issuerDN': none,
  'identity.clientCert.serialNumber': none,
  'identity.clientCert.validity.notBefore': none,
  'identity.clientCert.validity.notAfter': none,
  'identity.sourceIp': (c) => c.sourceIp,
  'identity.user': none,
  'identity.userAgent': (c) => c.header('user-agent'),
  'identity.userArn': none,
  'integration.error': (c) => text(c.integrationErrorMessage),
  'integration.integrationStatus': (c) => positive(c.integrationServiceStatus),
  'integration.latency': (c) => positive(c.integrationLatency),
  'integration.requestId': (c) => text(c.integrationRequestId),
  // The docs call this the function's status code and also "equivalent" to integrationStatus
  // (the Lambda service's status); we follow the description (spec 9.3).
  'integration.status': (c) => positive(c.integrationStatus),
  integrationErrorMessage: (c) => text(c.integrationErrorMessage),
  integrationLatency: (c) => positive(c.integrationLatency),
  integrationStatus: (c) => positive(c.integrationServiceStatus),
  path: (c) => c.path,
  protocol: (c) => c.protocol,
  requestId: (c) => c.requestId,
  requestTime: (c) => clfTime(c.requestTimeEpoch),
  requestTimeEpoch: (c) => c.requestTimeEpoch,
  responseLatency: (c) => positive(c.responseLatency),
  responseLength: (c) => c.responseLength,
  routeKey: (c) => c.route?.routeKey,
  stage: (c) => c.stage?.stageName,
  status: (c) => positive(c.status),
}

/**
 * Variables with a free-form last part: a JWT claim, or a key of a Lambda authorizer's
 * context. Until authorizers exist they are always absent.
 */
const DYNAMIC_PREFIXES = ['authorizer.claims.', 'authorizer.'] as const

/** Variables whose values are JSON text already: never escaped again inside JSON formats. */
export const JSON_VALUED_VARIABLES: ReadonlySet<string> = new Set(['error.messageString'])

export function contextVariable(name: string): ContextGetter | undefined {
  const fixed = CONTEXT_VARIABLES[name]
  if (fixed !== undefined) return fixed
  return DYNAMIC_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length) ? none : undefined
}
