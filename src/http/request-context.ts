/**
 * @module
 * The per-request object every pipeline stage reads and fills. All fields are set in the
 * constructor so the object keeps one shape (V8 keeps property access monomorphic).
 */
import type { TLSSocket } from 'node:tls'
import type { AuthorizerResult, ClientCertificate, CompiledApi, CompiledRoute, CompiledStage, GatewayResponse, RequestContext as RequestState, RequestTrace } from '../model/index.js'
import { firstHeader, hostName } from '../util/index.js'

export class RequestContext implements RequestState {
  readonly requestId: string
  /** Epoch milliseconds when the request arrived (`timeEpoch`). */
  readonly requestTimeEpoch: number
  readonly startedAt: number
  readonly method: string
  /** Decoded request path, stage segment included (`rawPath` of payload 2.0). */
  path = '/'
  /** The path as the client sent it, still percent-encoded (SigV4 signs this form). */
  rawPathname = '/'
  /** Query string as received, without `?`, still encoded. */
  rawQueryString = ''
  /** Path segments used for route matching (stage removed, trailing slash ignored). */
  routeSegments: string[] = []
  /** Path below the stage, decoded (`/pets/1` for `/dev/pets/1`). */
  stagePath = '/'
  /** The same, still percent-encoded as the client sent it (what an HTTP proxy forwards). */
  rawStagePath = '/'
  /** The API mapping key a custom domain matched (`''` for the unkeyed mapping), or `null` off custom domains. */
  basePathMatched: string | null = null
  /** The verified client certificate of a mutual TLS custom domain, or `null`. */
  clientCert: ClientCertificate | null = null
  readonly rawHeaders: readonly string[]
  readonly sourceIp: string
  readonly protocol = 'HTTP/1.1'
  /** `Host` as sent (port included), or `''`. */
  readonly host: string
  /** The host name the client used, without port (`$context.domainName`). */
  readonly domainName: string
  readonly domainPrefix: string
  readonly localPort: number
  readonly scheme: 'http' | 'https'
  /** The TLS connection of an HTTPS request (SNI, client certificate), or `null`. */
  readonly tlsSocket: TLSSocket | null
  body: Buffer = EMPTY
  /** Bytes of a request body streamed to the integration instead of read into `body`. */
  streamedRequestBytes = 0
  api: CompiledApi | null = null
  stage: CompiledStage | null = null
  route: CompiledRoute | null = null
  pathParameters: Record<string, string> | null = null
  /** The account that owns the API (`$context.accountId`). */
  accountId = ''
  /** What went wrong in the integration, for logs (`$context.integrationErrorMessage`). */
  integrationErrorMessage = ''
  /** Integration latency in ms, or -1 when no integration was called. */
  integrationLatency = -1
  /** Status from the service that ran the integration (Lambda: 200 for a completed Invoke), or -1. */
  integrationServiceStatus = -1
  /** Status the integration itself answered (Lambda: the function's `statusCode`), or -1. */
  integrationStatus = -1
  /** Request id of the integration call (Lambda's `awsRequestId`), or `''`. */
  integrationRequestId = ''
  /** What the route's authorizer established, or `null` (no authorizer, or it refused). */
  authorizer: AuthorizerResult | null = null
  /** Why the authorizer refused or failed (`$context.authorizer.error`), or `''`. */
  authorizerError = ''
  /** The catalogue entry when the gateway answered by itself (`$context.error.*`). */
  error: GatewayResponse | null = null
  /** Status sent to the client; -1 until the response is written. */
  status = -1
  /** Response body bytes sent. */
  responseLength = 0
  /** Total latency in ms, set when the response is written; -1 before. */
  responseLatency = -1
  /** Filled by the stages only while a console watches. */
  trace: RequestTrace | null = null

  constructor(init: {
    requestId: string
    method: string
    rawHeaders: readonly string[]
    sourceIp: string
    host: string
    localPort: number
    scheme: 'http' | 'https'
    tlsSocket?: TLSSocket | null
  }) {
    this.requestId = init.requestId
    this.requestTimeEpoch = Date.now()
    this.startedAt = performance.now()
    this.method = init.method
    this.rawHeaders = init.rawHeaders
    this.sourceIp = init.sourceIp
    this.host = init.host
    this.domainName = hostName(init.host)
    const dot = this.domainName.indexOf('.')
    this.domainPrefix = dot < 0 ? this.domainName : this.domainName.slice(0, dot)
    this.localPort = init.localPort
    this.scheme = init.scheme
    this.tlsSocket = init.tlsSocket ?? null
  }

  /** Request body bytes received, read whole or streamed. */
  get requestBodyLength(): number {
    return this.body.length + this.streamedRequestBytes
  }

  /** The first value of a request header (name in lower case), or `undefined`. */
  header(name: string): string | undefined {
    return firstHeader(this.rawHeaders, name)
  }
}

const EMPTY = Buffer.alloc(0)
