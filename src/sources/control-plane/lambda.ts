/**
 * @module
 * A minimal Lambda API (`2015-03-31`): create, update code and configuration, get, list,
 * delete, and permissions (recorded). Functions run in Gatehouse's execution environments, so
 * the runtimes they run are accepted
 * (Node.js, Python, custom `provided*`). Wire members are PascalCase, as Lambda's are.
 */
import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import type { OpContext, OpResult } from './context.js'
import { ControlPlaneError } from './errors.js'
import { unpackCode } from './lambda-code.js'
import { SUPPORTED_RUNTIMES } from '../../functions/index.js'
import { Members } from './members.js'
import type { FunctionState, Wire } from './state.js'

export const DEFAULT_TIMEOUT_SECONDS = 3
export const DEFAULT_MEMORY_MB = 128
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/
const PARTIAL_ARN = /^[0-9]{12}:function:([^:]+)(?::[^:]+)?$/

const invalid = (message: string) => new ControlPlaneError('InvalidParameterValueException', message)
const members = (body: Wire) => new Members(body, invalid)

export interface LambdaInput {
  readonly name: string | undefined
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly body: Wire
  /** The state folder (code is unpacked below it). */
  readonly stateDir: string
  /** Function names the config file defines (CreateFunction refuses them). */
  readonly fileFunctions: ReadonlyMap<string, string>
}

/** A function name from a name, an ARN or a partial ARN (`123456789012:function:name`). */
export function functionNameOf(value: string): string {
  return FUNCTION_ARN.exec(value)?.[1] ?? PARTIAL_ARN.exec(value)?.[1] ?? value
}

export function functionArnOf(ctx: OpContext, name: string): string {
  return `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`
}

export function lookupFunction(ctx: OpContext, name: string): FunctionState {
  const fn = ctx.state.functions[name]
  if (fn === undefined) throw new ControlPlaneError('ResourceNotFoundException', `Function not found: ${functionArnOf(ctx, name)}`)
  return fn
}

/** Lambda's `LastModified` form: `2024-01-31T12:00:00.000+0000`. */
function lastModified(now: number): string {
  return new Date(now).toISOString().replace('Z', '+0000')
}

function applyConfiguration(m: Members, next: Wire): void {
  const runtime = m.str('Runtime')
  if (runtime !== undefined && !SUPPORTED_RUNTIMES.includes(runtime)) {
    throw invalid(`Runtime ${runtime} is not served by Gatehouse's execution environments; use one of ${SUPPORTED_RUNTIMES.join(', ')}`)
  }
  if (runtime !== undefined) next['Runtime'] = runtime
  for (const [name, value] of [
    ['Role', m.str('Role')],
    ['Handler', m.str('Handler', { maxLength: 128 })],
    ['Description', m.str('Description', { maxLength: 256 })],
    ['Timeout', m.int('Timeout', 1, 900)],
    ['MemorySize', m.int('MemorySize', 128, 10240)],
  ] as const) {
    if (value !== undefined) next[name] = value
  }
  const handler = next['Handler'] as string | undefined
  if (handler !== undefined && !/^[^\s]+\.[^\s.]+$/.test(handler)) throw invalid(`Handler "${handler}" must look like "file.exportName"`)
  const environment = m.members('Environment')
  if (environment !== undefined) {
    const variables = environment.strMap('Variables') ?? {}
    for (const k of Object.keys(variables)) if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(k)) throw invalid(`Environment variable name "${k}" is not valid`)
    next['Environment'] = { Variables: variables }
  }
}

export const lambdaOperations = {
  CreateFunction(ctx: OpContext, input: LambdaInput): OpResult {
    const m = members(input.body)
    const name = functionNameOf(m.str('FunctionName', { required: true }) as string)
    if (!FUNCTION_NAME.test(name)) throw invalid(`FunctionName "${name}" must be 1-64 letters, digits, "-" or "_"`)
    if (ctx.state.functions[name] !== undefined) throw new ControlPlaneError('ResourceConflictException', `Function already exist: ${name}`)
    const file = input.fileFunctions.get(name)
    if (file !== undefined) throw new ControlPlaneError('ResourceConflictException', `Function already exist: ${name} (defined in ${file})`)
    m.str('Runtime', { required: true })
    m.str('Handler', { required: true })
    if (m.str('PackageType', { oneOf: ['Zip', 'Image'] }) === 'Image') throw invalid('PackageType Image is not served by Gatehouse: use Zip')
    const code = unpackCode(m.obj('Code', { required: true }) as Wire, input.stateDir, name)
    const configuration: Wire = {
      FunctionName: name,
      FunctionArn: functionArnOf(ctx, name),
      Role: `arn:aws:iam::${ctx.accountId}:role/gatehouse`,
      Description: '',
      Timeout: DEFAULT_TIMEOUT_SECONDS,
      MemorySize: DEFAULT_MEMORY_MB,
    }
    applyConfiguration(m, configuration)
    Object.assign(configuration, {
      CodeSize: code.codeSize,
      CodeSha256: code.codeSha256,
      LastModified: lastModified(ctx.now),
      Version: '$LATEST',
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: randomUUID(),
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 512 },
    })
    ctx.state.functions[name] = { configuration, codeDir: code.codeDir, policy: {}, tags: m.strMap('Tags') ?? {} }
    return { status: 201, body: configuration }
  },
  UpdateFunctionCode(ctx: OpContext, input: LambdaInput): OpResult {
    const name = input.name as string
    const fn = lookupFunction(ctx, name)
    const code = unpackCode(input.body, input.stateDir, name)
    ctx.state.functions[name] = { ...fn, codeDir: code.codeDir }
    Object.assign(fn.configuration, { CodeSize: code.codeSize, CodeSha256: code.codeSha256, LastModified: lastModified(ctx.now), RevisionId: randomUUID() })
    return { status: 200, body: fn.configuration }
  },
  UpdateFunctionConfiguration(ctx: OpContext, input: LambdaInput): OpResult {
    const fn = lookupFunction(ctx, input.name as string)
    applyConfiguration(members(input.body), fn.configuration)
    Object.assign(fn.configuration, { LastModified: lastModified(ctx.now), RevisionId: randomUUID() })
    return { status: 200, body: fn.configuration }
  },
  GetFunction(ctx: OpContext, input: LambdaInput): OpResult {
    const fn = lookupFunction(ctx, input.name as string)
    return { status: 200, body: { Configuration: fn.configuration, Code: { RepositoryType: 'S3', Location: `file://${resolve(input.stateDir, fn.codeDir)}` }, Tags: fn.tags } }
  },
  GetFunctionConfiguration(ctx: OpContext, input: LambdaInput): OpResult {
    return { status: 200, body: lookupFunction(ctx, input.name as string).configuration }
  },
  ListFunctions(ctx: OpContext, input: LambdaInput): OpResult {
    const all = Object.values(ctx.state.functions).map((f) => f.configuration)
    const max = input.query.get('MaxItems')
    const size = max === null ? 50 : Number(max)
    if (!Number.isInteger(size) || size < 1 || size > 10000) throw invalid('MaxItems must be an integer between 1 and 10000')
    const marker = input.query.get('Marker')
    const start = marker === null ? 0 : Number(Buffer.from(marker, 'base64url').toString('utf8'))
    if (!Number.isInteger(start) || start < 0 || start > all.length) throw invalid('Invalid Marker')
    const body: Wire = { Functions: all.slice(start, start + size) }
    if (start + size < all.length) body['NextMarker'] = Buffer.from(String(start + size)).toString('base64url')
    return { status: 200, body }
  },
  DeleteFunction(ctx: OpContext, input: LambdaInput): OpResult {
    lookupFunction(ctx, input.name as string)
    delete ctx.state.functions[input.name as string]
    return { status: 204, body: null }
  },
  AddPermission(ctx: OpContext, input: LambdaInput): OpResult {
    const fn = lookupFunction(ctx, input.name as string)
    const m = members(input.body)
    const sid = m.str('StatementId', { required: true, pattern: /^[A-Za-z0-9_-]{1,100}$/ }) as string
    const action = m.str('Action', { required: true }) as string
    const principal = m.str('Principal', { required: true }) as string
    const sourceArn = m.str('SourceArn')
    const sourceAccount = m.str('SourceAccount')
    if (fn.policy[sid] !== undefined) {
      throw new ControlPlaneError('ResourceConflictException', `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`)
    }
    const condition: Wire = {}
    if (sourceArn !== undefined) condition['ArnLike'] = { 'AWS:SourceArn': sourceArn }
    if (sourceAccount !== undefined) condition['StringEquals'] = { 'AWS:SourceAccount': sourceAccount }
    const statement: Wire = {
      Sid: sid,
      Effect: 'Allow',
      Principal: principal.includes('.') ? { Service: principal } : { AWS: principal },
      Action: action,
      Resource: fn.configuration['FunctionArn'],
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    }
    fn.policy[sid] = statement
    return { status: 201, body: { Statement: JSON.stringify(statement) } }
  },
  RemovePermission(ctx: OpContext, input: LambdaInput): OpResult {
    const fn = lookupFunction(ctx, input.name as string)
    const sid = input.params['statementId'] as string
    if (fn.policy[sid] === undefined) throw new ControlPlaneError('ResourceNotFoundException', `Statement ${sid} is not found in resource policy.`)
    delete fn.policy[sid]
    return { status: 204, body: null }
  },
  GetPolicy(ctx: OpContext, input: LambdaInput): OpResult {
    const fn = lookupFunction(ctx, input.name as string)
    const statements = Object.values(fn.policy)
    if (statements.length === 0) throw new ControlPlaneError('ResourceNotFoundException', 'The resource you requested does not exist.')
    return { status: 200, body: { Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements }), RevisionId: fn.configuration['RevisionId'] } }
  },
}

export type LambdaOperationName = keyof typeof lambdaOperations | 'Invoke'

/** Lambda's paths (`/2015-03-31/functions/...`), trailing slash allowed as the SDK sends `ListFunctions`. */
export function matchLambda(method: string, segments: readonly string[]): { name: LambdaOperationName; functionName?: string; params: Record<string, string> } | undefined {
  if (segments[0] !== '2015-03-31' || segments[1] !== 'functions') return undefined
  const rest = segments.slice(2)
  if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop()
  if (rest.length === 0) return method === 'POST' ? { name: 'CreateFunction', params: {} } : method === 'GET' ? { name: 'ListFunctions', params: {} } : undefined
  const functionName = functionNameOf(rest[0] as string)
  const sub = rest.slice(1).join('/')
  const table: Record<string, LambdaOperationName> = {
    'GET ': 'GetFunction',
    'DELETE ': 'DeleteFunction',
    'PUT code': 'UpdateFunctionCode',
    'PUT configuration': 'UpdateFunctionConfiguration',
    'GET configuration': 'GetFunctionConfiguration',
    'POST invocations': 'Invoke',
    'POST policy': 'AddPermission',
    'GET policy': 'GetPolicy',
  }
  const found = table[`${method} ${sub}`]
  if (found !== undefined) return { name: found, functionName, params: {} }
  if (method === 'DELETE' && rest.length === 3 && rest[1] === 'policy') return { name: 'RemovePermission', functionName, params: { statementId: rest[2] as string } }
  return undefined
}
