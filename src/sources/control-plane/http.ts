/**
 * @module
 * The control plane's HTTP surface: REST-JSON `apigatewayv2` (`/v2/...`) and Lambda
 * (`/2015-03-31/functions/...`), SigV4-verified against the configured `iam` credentials (open
 * when there are none, as `@connections`), errors as spec 12.6 (`x-amzn-ErrorType`,
 * `x-amzn-RequestId`, body `{"message": …}`). A bad body, signature or path gets an error
 * answer; nothing here can take the gateway down.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { verifySigV4 } from '../../auth/index.js'
import type { Logger } from '../../logging/index.js'
import { headerPairs } from '../../util/index.js'
import type { OpResult } from './context.js'
import { ControlPlaneError } from './errors.js'
import { lambdaOperations, lookupFunction, matchLambda, type LambdaInput } from './lambda.js'
import { isWire } from './members.js'
import { matchOperation, NOT_IMPLEMENTED } from './operations.js'
import type { ControlPlane } from './plane.js'
import type { Wire } from './state.js'

/** Largest management request body (a ZIP of 50 MB grows by a third in base64) `[EMU]`. */
export const MAX_BODY_BYTES = 70 * 1024 * 1024
/** Lambda's synchronous invocation payload limit (6 MB). */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024
/** Hosts the main port hands to the control plane (a client's endpoint override may name them). */
export const CONTROL_PLANE_HOST = /^(apigateway|lambda)\.[a-z0-9-]+\.amazonaws\.com(:\d+)?$/i

export function isControlPlaneHost(host: string | undefined): boolean {
  return host !== undefined && CONTROL_PLANE_HOST.test(host)
}

/** A SigV4 credential scope naming the apigateway or lambda service (`…/us-east-1/apigateway/aws4_request`). */
const CONTROL_PLANE_SCOPE = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[^/]+\/(apigateway|lambda)\/aws4_request/

/**
 * Whether a request on the main port is for the control plane: AWS's host names, or a
 * `/v2/…` / `/2015-03-31/…` path signed for the `apigateway` or `lambda` service (what an SDK
 * or the CLI sends with `--endpoint-url` at the main port). An API route signed for
 * `execute-api` stays on the data plane.
 */
export function isControlPlaneRequest(req: IncomingMessage): boolean {
  if (isControlPlaneHost(req.headers.host)) return true
  const url = req.url ?? ''
  if (!url.startsWith('/v2/') && !url.startsWith('/2015-03-31/')) return false
  const authorization = req.headers.authorization
  return authorization !== undefined && CONTROL_PLANE_SCOPE.test(authorization)
}

type Service = 'apigateway' | 'lambda'

export interface ListenerPolicy {
  /** The listener only accepts connections from this machine. */
  readonly loopbackOnly: boolean
}

/** `[EMU]` Why an unsigned call is refused beyond loopback: creating a function runs its code. */
export const UNSIGNED_REFUSED_MESSAGE =
  'The control plane refuses unsigned calls on a listener reachable from other machines: configure iam.credentials (and sign requests), or set connectionsApi.allowUnsigned: true'

export async function handleControlPlaneRequest(plane: ControlPlane, req: IncomingMessage, res: ServerResponse, logger: Logger, policy: ListenerPolicy): Promise<void> {
  const requestId = randomUUID()
  const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2) as [string?, string?]
  const service: Service = rawPath.startsWith('/2015-03-31/') ? 'lambda' : 'apigateway'
  try {
    const body = await readBody(req)
    authenticate(plane, req, rawPath, rawQuery, body, service, policy)
    const segments = decodeSegments(rawPath)
    const query = new URLSearchParams(rawQuery)
    const method = req.method ?? 'GET'
    const invocationType = req.headers['x-amz-invocation-type']
    const result =
      service === 'lambda'
        ? await lambda(plane, method, segments, query, body, typeof invocationType === 'string' ? invocationType : 'RequestResponse', logger)
        : await apigateway(plane, method, segments, query, body)
    send(res, requestId, result)
  } catch (err) {
    if (err instanceof ControlPlaneError) return sendError(res, requestId, err, service)
    logger.error('Control-plane request failed inside the gateway', { error: err })
    sendError(res, requestId, new ControlPlaneError('ServiceException', 'Internal Server Error'), service, 500)
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  // An oversized body is read to its end and dropped, so the client receives the 413 instead
  // of a reset connection (leaving the loop early would destroy the socket).
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    // Past twice the limit the client is not going to stop: cut it off.
    else if (size > 2 * MAX_BODY_BYTES) req.destroy()
  }
  if (size > MAX_BODY_BYTES) throw new ControlPlaneError('PayloadTooLargeException', `Request body is larger than ${MAX_BODY_BYTES} bytes`)
  return Buffer.concat(chunks)
}

function authenticate(plane: ControlPlane, req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer, service: Service, policy: ListenerPolicy): void {
  const config = plane.host.fileConfig()
  const iam = config.iam
  if (iam === null) {
    // As `@connections`: open on loopback (development); beyond it only when explicitly allowed.
    if (policy.loopbackOnly || config.connectionsApi.allowUnsigned) return
    throw new ControlPlaneError('AccessDeniedException', UNSIGNED_REFUSED_MESSAGE)
  }
  const verdict = verifySigV4(
    { method: req.method ?? 'GET', rawPath, rawQueryString: rawQuery, headers: headerPairs(req.rawHeaders), body },
    { region: config.region, service, now: Date.now(), clockSkewMs: iam.clockSkewMs, credentials: (id) => iam.credentials.get(id), allowSessionTokens: iam.allowSessionTokens }
  )
  if (verdict.ok) return
  const type = verdict.reason === 'The access key id is not known to this gateway' ? 'UnrecognizedClientException' : 'InvalidSignatureException'
  throw new ControlPlaneError(type, verdict.reason)
}

function decodeSegments(rawPath: string): string[] {
  try {
    return rawPath.split('/').slice(1).map((s) => decodeURIComponent(s))
  } catch {
    throw new ControlPlaneError('BadRequestException', 'One or more path parts appear to be invalid')
  }
}

function parseJson(body: Buffer, service: Service): Wire {
  if (body.length === 0) return {}
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    throw new ControlPlaneError(service === 'lambda' ? 'InvalidRequestContentException' : 'BadRequestException', 'Could not parse request body into json')
  }
  if (!isWire(value)) throw new ControlPlaneError(service === 'lambda' ? 'InvalidRequestContentException' : 'BadRequestException', 'The request body must be a JSON object')
  return value
}

async function apigateway(plane: ControlPlane, method: string, segments: readonly string[], query: URLSearchParams, raw: Buffer): Promise<OpResult> {
  const match = matchOperation(method, segments)
  if (match.name === undefined) {
    const path = '/' + segments.join('/')
    if (match.methodsAllowed.length > 0) throw new ControlPlaneError('NotFoundException', `${method} is not an operation on ${path} (allowed: ${match.methodsAllowed.join(', ')})`, { resourceType: 'Operation' })
    throw new ControlPlaneError('NotFoundException', `No apigatewayv2 operation has the path ${path}`, { resourceType: 'Operation' })
  }
  const operation = match.operation
  if (operation === undefined) throw new ControlPlaneError('BadRequestException', NOT_IMPLEMENTED[match.name] ?? `${match.name} is not implemented by Gatehouse`)
  const input = { params: match.params, query, body: parseJson(raw, 'apigateway') }
  if (method === 'GET') return plane.read((ctx) => operation(ctx, input))
  return plane.mutate((ctx) => operation(ctx, input))
}

async function lambda(plane: ControlPlane, method: string, segments: readonly string[], query: URLSearchParams, raw: Buffer, invocationType: string, logger: Logger): Promise<OpResult> {
  const match = matchLambda(method, segments)
  if (match === undefined) throw new ControlPlaneError('UnknownOperationException', `No Lambda operation ${method} /${segments.join('/')} in Gatehouse's minimal Lambda API`)
  if (match.name === 'Invoke') return invoke(plane, match.functionName as string, raw, invocationType, logger)
  const file = plane.host.fileConfig()
  const fileFunctions = new Map([...file.functions.keys()].map((n) => [n, file.configFile ?? '<config object>'] as const))
  const input: LambdaInput = { name: match.functionName, params: match.params, query, body: parseJson(raw, 'lambda'), stateDir: plane.store.dir, fileFunctions }
  const operation = lambdaOperations[match.name]
  const run = () => (method === 'GET' ? plane.read((ctx) => operation(ctx, input)) : plane.mutate((ctx) => operation(ctx, input)))
  try {
    return await run()
  } catch (err) {
    // A change the gateway refused (a handler module that cannot be found) is a bad parameter in Lambda's words.
    if (err instanceof ControlPlaneError && err.type === 'BadRequestException') throw new ControlPlaneError('InvalidParameterValueException', err.message)
    throw err
  }
}

/**
 * `RequestResponse` waits for the result; `Event` answers 202 at once and runs the function
 * behind (no retries, no destinations); `DryRun` checks the call and answers 204.
 */
async function invoke(plane: ControlPlane, name: string, raw: Buffer, invocationType: string, logger: Logger): Promise<OpResult> {
  if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
    throw new ControlPlaneError('InvalidParameterValueException', `Invalid X-Amz-Invocation-Type "${invocationType}": must be RequestResponse, Event or DryRun`)
  }
  if (raw.length > MAX_INVOKE_PAYLOAD_BYTES) throw new ControlPlaneError('RequestTooLargeException', `Request must be smaller than ${MAX_INVOKE_PAYLOAD_BYTES} bytes for the InvokeFunction operation`)
  const fn = plane.read((ctx) => lookupFunction(ctx, name))
  const payload = raw.length === 0 ? '{}' : raw.toString('utf8')
  try {
    JSON.parse(payload)
  } catch {
    throw new ControlPlaneError('InvalidRequestContentException', 'Could not parse request body into json: Could not parse payload into json')
  }
  const timeoutMs = (fn.configuration['Timeout'] as number) * 1000 + 1000
  if (invocationType === 'DryRun') return { status: 204, body: null }
  if (invocationType === 'Event') {
    plane.host.invoke(name, payload, timeoutMs).catch((err: unknown) => logger.error(`Asynchronous invocation of ${name} failed inside the gateway`, { error: err }))
    return { status: 202, body: null }
  }
  const result = await plane.host.invoke(name, payload, timeoutMs)
  const headers = { 'X-Amz-Executed-Version': '$LATEST' }
  if (result === undefined) throw new ControlPlaneError('ResourceNotFoundException', `Function not found: ${String(fn.configuration['FunctionArn'])}`)
  switch (result.status) {
    case 'ok':
      return { status: 200, body: result.payload, contentType: 'application/json', headers }
    case 'function-error':
      return {
        status: 200,
        body: JSON.stringify({ errorType: result.error.errorType, errorMessage: result.error.errorMessage, trace: result.error.trace }),
        contentType: 'application/json',
        headers: { ...headers, 'X-Amz-Function-Error': 'Unhandled' },
      }
    case 'rejected':
      throw new ControlPlaneError('TooManyRequestsException', result.errorMessage, { Reason: result.errorType })
    case 'integration-timeout':
      throw new ControlPlaneError('ServiceException', `Task timed out after ${fn.configuration['Timeout'] as number}.00 seconds`)
  }
}

function send(res: ServerResponse, requestId: string, result: OpResult): void {
  const body = result.body === null ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body)
  const headers: Record<string, string> = { 'x-amzn-RequestId': requestId, ...(result.headers ?? {}) }
  if (result.body !== null) headers['content-type'] = result.contentType ?? 'application/json'
  headers['content-length'] = String(Buffer.byteLength(body))
  res.writeHead(result.status, headers)
  res.end(body)
}

function sendError(res: ServerResponse, requestId: string, err: ControlPlaneError, service: Service, status = err.status): void {
  const body = JSON.stringify(service === 'lambda' ? { Type: 'User', message: err.message, ...err.members } : { message: err.message, ...err.members })
  if (res.headersSent) return void res.end()
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-ErrorType': err.type, 'x-amzn-RequestId': requestId, 'content-length': String(Buffer.byteLength(body)) })
  res.end(body)
}
