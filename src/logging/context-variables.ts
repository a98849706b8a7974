/**
 * @module
 * The HTTP API `$context` variables (spec 9.3), each as a function of a finished request.
 * Shared by access logs now and by parameter mapping later. A value that does not apply to
 * the request is `undefined` and renders as `-` `[UNCONFIRMED]`.
 */
import { clfTime } from '../util/index.js'
import type { RequestContext } from '../model/index.js'

/** A `$context` variable's value for one request; `undefined` renders as `-`. */
export type ContextValue = string | number | undefined
export type ContextGetter = (ctx: RequestContext) => ContextValue


const positive = (n: number): number | undefined => (n < 0 ? undefined : n)
const text = (s: string): string | undefined => (s === '' ? undefined : s)
const none: ContextGetter = () => undefined

/** `$context.` variables by name (without the `$context.` prefix). */
export const CONTEXT_VARIABLES: Readonly<Record<string, ContextGetter>> = {
  accountId: (c) => c.accountId,
  apiId: (c) => c.api?.apiId,
  'authorizer.error': (c) => text(c.authorizerError),
  'authorizer.principalId': (c) => (c.authorizer?.kind === 'lambda' ? c.authorizer.principalId : undefined),
  // Lambda is the AWS endpoint a Lambda proxy integration calls: its request id.
  awsEndpointRequestId: (c) => text(c.integrationRequestId),
  awsEndpointRequestId2: none,
  'customDomain.basePathMatched': (c) => text(c.basePathMatched ?? ''),
  dataProcessed: (c) => c.requestBodyLength + c.responseLength,
  domainName: (c) => c.domainName,
  domainPrefix: (c) => c.domainPrefix,
  'error.message': (c) => c.error?.message,
  // Already a quoted JSON string, meant to be used unquoted in JSON formats (`"e":$context.error.messageString`).
  'error.messageString': (c) => (c.error === null ? undefined : JSON.stringify(c.error.message)),
  'error.responseType': (c) => c.error?.responseType,
  extendedRequestId: (c) => c.requestId,
  httpMethod: (c) => c.method,
  'identity.accountId': (c) => (c.authorizer?.kind === 'iam' ? c.authorizer.identity.accountId : undefined),
  'identity.caller': (c) => (c.authorizer?.kind === 'iam' ? c.authorizer.identity.caller : undefined),
  'identity.cognitoAuthenticationProvider': none,
  'identity.cognitoAuthenticationType': none,
  'identity.cognitoIdentityId': none,
  'identity.cognitoIdentityPoolId': none,
  'identity.principalOrgId': none,
  'identity.clientCert.clientCertPem': (c) => c.clientCert?.clientCertPem,
  'identity.clientCert.subjectDN': (c) => c.clientCert?.subjectDN,
  'identity.clientCert.issuerDN': (c) => c.clientCert?.issuerDN,
  'identity.clientCert.serialNumber': (c) => c.clientCert?.serialNumber,
  'identity.clientCert.validity.notBefore': (c) => c.clientCert?.validity.notBefore,
  'identity.clientCert.validity.notAfter': (c) => c.clientCert?.validity.notAfter,
  'identity.sourceIp': (c) => c.sourceIp,
  'identity.user': (c) => (c.authorizer?.kind === 'iam' ? c.authorizer.identity.user : undefined),
  'identity.userAgent': (c) => c.header('user-agent'),
  'identity.userArn': (c) => (c.authorizer?.kind === 'iam' ? c.authorizer.identity.userArn : undefined),
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

const CLAIMS_PREFIX = 'authorizer.claims.'
const AUTHORIZER_PREFIX = 'authorizer.'

/** Variables whose values are JSON text already: never escaped again inside JSON formats. */
export const JSON_VALUED_VARIABLES: ReadonlySet<string> = new Set(['error.messageString'])

export function contextVariable(name: string): ContextGetter | undefined {
  const fixed = CONTEXT_VARIABLES[name]
  if (fixed !== undefined) return fixed
  // A JWT claim: `$context.authorizer.claims.sub`.
  if (name.startsWith(CLAIMS_PREFIX) && name.length > CLAIMS_PREFIX.length) {
    const claim = name.slice(CLAIMS_PREFIX.length)
    return (c) => (c.authorizer?.kind === 'jwt' ? c.authorizer.claims[claim] : undefined)
  }
  // A key of a Lambda authorizer's context, numbers kept as numbers (spec 5.2).
  if (name.startsWith(AUTHORIZER_PREFIX) && name.length > AUTHORIZER_PREFIX.length) {
    const key = name.slice(AUTHORIZER_PREFIX.length)
    return (c) => {
      if (c.authorizer?.kind !== 'lambda') return undefined
      const v = c.authorizer.context[key]
      return v === undefined || v === null ? undefined : typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v)
    }
  }
  return undefined
}
