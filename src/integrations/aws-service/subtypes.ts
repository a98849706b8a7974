/**
 * @module
 * HTTP API first-class integrations (spec 4.5): each `integrationSubtype` names one AWS
 * action, the `requestParameters` it takes (`*` required in the spec's table), and how its
 * parameters become the service request.
 * - SQS uses the query protocol (form body, `Version=2012-11-05`) with `Accept:
 *   application/json`, so its answers are `{"SendMessageResponse": ...}` JSON. `[UNCONFIRMED]`
 * - EventBridge, Kinesis and Step Functions use their JSON protocols (`X-Amz-Target`).
 * - AppConfig `GetConfiguration` is its REST call
 *   `GET /applications/{a}/environments/{e}/configurations/{c}?client_id=...`.
 * Number-valued members (`DelaySeconds`, ...) must be integers; JSON-valued ones
 * (`MessageAttributes`, `Resources`) must parse; these are checked per request.
 */
import type { ServiceRequestLine } from '../../aws/index.js'

export interface SubtypeParameter {
  readonly name: string
  readonly required: boolean
}

/** A request to the service, before signing. */
export interface ServiceRequest extends ServiceRequestLine {
  readonly body: string
  /** Endpoint host prefix (`sync-` for StartSyncExecution on AWS's endpoints), or ''. */
  readonly hostPrefix: string
}

export type BuiltRequest = { ok: true; request: ServiceRequest } | { ok: false; reason: string }

export interface Subtype {
  readonly subtype: string
  /** Service name in `awsEndpoints` (`sqs`, `events`, `kinesis`, `states`, `appconfig`). */
  readonly service: string
  readonly parameters: readonly SubtypeParameter[]
  /** `values` holds the evaluated parameters that are present (`Region` included). */
  build(values: Readonly<Record<string, string>>): BuiltRequest
}

const p = (list: string): SubtypeParameter[] =>
  list.split(',').map((s) => s.trim()).map((s) => ({ name: s.replace(/\*$/, ''), required: s.endsWith('*') }))

/** SQS query API version. */
export const SQS_API_VERSION = '2012-11-05'

function sqs(action: string, fill: (v: Readonly<Record<string, string>>, form: Array<[string, string]>) => string | null): (v: Readonly<Record<string, string>>) => BuiltRequest {
  return (v) => {
    const form: Array<[string, string]> = [['Action', action]]
    const problem = fill(v, form)
    if (problem !== null) return { ok: false, reason: problem }
    form.push(['Version', SQS_API_VERSION])
    return {
      ok: true,
      request: {
        method: 'POST',
        path: '/',
        query: [],
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json' },
        body: form.map(([k, val]) => `${formEncode(k)}=${formEncode(val)}`).join('&'),
        hostPrefix: '',
      },
    }
  }
}

function json(target: string, version: '1.0' | '1.1', body: (v: Readonly<Record<string, string>>) => unknown, hostPrefix = ''): (v: Readonly<Record<string, string>>) => BuiltRequest {
  return (v) => {
    let payload: unknown
    try {
      payload = body(v)
    } catch (err) {
      return { ok: false, reason: (err as Error).message }
    }
    return {
      ok: true,
      request: {
        method: 'POST',
        path: '/',
        query: [],
        headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': target },
        body: JSON.stringify(payload),
        hostPrefix,
      },
    }
  }
}

/** Only the members that are present, in the order given. */
function present(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of entries) if (v !== undefined) out[k] = v
  return out
}

function jsonValue(name: string, value: string | undefined): unknown {
  if (value === undefined) return undefined
  try {
    return JSON.parse(value) as unknown
  } catch {
    throw new TypeError(`${name} must be JSON, not "${value.slice(0, 100)}"`)
  }
}

/** A JSON array, or a comma-separated list. */
function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const t = value.trim()
  if (t.startsWith('[')) {
    const parsed = jsonValue('list', t)
    if (Array.isArray(parsed)) return parsed.map(String)
  }
  return t === '' ? [] : t.split(',').map((s) => s.trim())
}

function sqsInteger(form: Array<[string, string]>, name: string, value: string | undefined): string | null {
  if (value === undefined) return null
  if (!/^-?\d+$/.test(value.trim())) return `${name} must be an integer, not "${value}"`
  form.push([name, value.trim()])
  return null
}

/** `{"name": {"DataType": "String", "StringValue": "x"}}` → `MessageAttribute.1.Name=name&...`. */
function sqsAttributes(form: Array<[string, string]>, prefix: string, value: string | undefined): string | null {
  if (value === undefined) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return `${prefix}s must be JSON: {"name": {"DataType": "String", "StringValue": "..."}}`
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return `${prefix}s must be a JSON object`
  let i = 0
  for (const [name, attr] of Object.entries(parsed)) {
    i++
    form.push([`${prefix}.${i}.Name`, name])
    for (const [k, v] of Object.entries((attr ?? {}) as Record<string, unknown>)) form.push([`${prefix}.${i}.Value.${k}`, String(v)])
  }
  return null
}

function sqsList(form: Array<[string, string]>, prefix: string, value: string | undefined): void {
  list(value)?.forEach((name, i) => form.push([`${prefix}.${i + 1}`, name]))
}

const SUBTYPES: readonly Subtype[] = [
  {
    subtype: 'SQS-SendMessage',
    service: 'sqs',
    parameters: p('QueueUrl*, MessageBody*, DelaySeconds, MessageAttributes, MessageDeduplicationId, MessageGroupId, MessageSystemAttributes, Region'),
    build: sqs('SendMessage', (v, form) => {
      form.push(['QueueUrl', v['QueueUrl'] ?? ''], ['MessageBody', v['MessageBody'] ?? ''])
      const problem = sqsInteger(form, 'DelaySeconds', v['DelaySeconds']) ?? sqsAttributes(form, 'MessageAttribute', v['MessageAttributes']) ?? sqsAttributes(form, 'MessageSystemAttribute', v['MessageSystemAttributes'])
      if (v['MessageDeduplicationId'] !== undefined) form.push(['MessageDeduplicationId', v['MessageDeduplicationId']])
      if (v['MessageGroupId'] !== undefined) form.push(['MessageGroupId', v['MessageGroupId']])
      return problem
    }),
  },
  {
    subtype: 'SQS-ReceiveMessage',
    service: 'sqs',
    parameters: p('QueueUrl*, AttributeNames, MaxNumberOfMessages, MessageAttributeNames, ReceiveRequestAttemptId, VisibilityTimeout, WaitTimeSeconds, Region'),
    build: sqs('ReceiveMessage', (v, form) => {
      form.push(['QueueUrl', v['QueueUrl'] ?? ''])
      sqsList(form, 'AttributeName', v['AttributeNames'])
      sqsList(form, 'MessageAttributeName', v['MessageAttributeNames'])
      if (v['ReceiveRequestAttemptId'] !== undefined) form.push(['ReceiveRequestAttemptId', v['ReceiveRequestAttemptId']])
      return sqsInteger(form, 'MaxNumberOfMessages', v['MaxNumberOfMessages']) ?? sqsInteger(form, 'VisibilityTimeout', v['VisibilityTimeout']) ?? sqsInteger(form, 'WaitTimeSeconds', v['WaitTimeSeconds'])
    }),
  },
  {
    subtype: 'SQS-DeleteMessage',
    service: 'sqs',
    parameters: p('ReceiptHandle*, QueueUrl*, Region'),
    build: sqs('DeleteMessage', (v, form) => {
      form.push(['QueueUrl', v['QueueUrl'] ?? ''], ['ReceiptHandle', v['ReceiptHandle'] ?? ''])
      return null
    }),
  },
  {
    subtype: 'SQS-PurgeQueue',
    service: 'sqs',
    parameters: p('QueueUrl*, Region'),
    build: sqs('PurgeQueue', (v, form) => {
      form.push(['QueueUrl', v['QueueUrl'] ?? ''])
      return null
    }),
  },
  {
    subtype: 'EventBridge-PutEvents',
    service: 'events',
    parameters: p('Detail*, DetailType*, Source*, Time, EventBusName, Resources, Region, TraceHeader'),
    build: json('AWSEvents.PutEvents', '1.1', (v) => ({
      Entries: [
        present([
          ['Detail', v['Detail']],
          ['DetailType', v['DetailType']],
          ['EventBusName', v['EventBusName']],
          ['Resources', list(v['Resources'])],
          ['Source', v['Source']],
          ['Time', v['Time'] === undefined ? undefined : eventTime(v['Time'])],
          ['TraceHeader', v['TraceHeader']],
        ]),
      ],
    })),
  },
  {
    subtype: 'Kinesis-PutRecord',
    service: 'kinesis',
    parameters: p('StreamName*, Data*, PartitionKey*, SequenceNumberForOrdering, ExplicitHashKey, Region'),
    // The API's `Data` is a blob: the parameter's text is sent base64-encoded. `[UNCONFIRMED]`
    build: json('Kinesis_20131202.PutRecord', '1.1', (v) =>
      present([
        ['Data', Buffer.from(v['Data'] ?? '', 'utf8').toString('base64')],
        ['ExplicitHashKey', v['ExplicitHashKey']],
        ['PartitionKey', v['PartitionKey']],
        ['SequenceNumberForOrdering', v['SequenceNumberForOrdering']],
        ['StreamName', v['StreamName']],
      ])
    ),
  },
  {
    subtype: 'StepFunctions-StartExecution',
    service: 'states',
    parameters: p('StateMachineArn*, Name, Input, Region'),
    build: json('AWSStepFunctions.StartExecution', '1.0', (v) => present([['stateMachineArn', v['StateMachineArn']], ['name', v['Name']], ['input', v['Input']]])),
  },
  {
    subtype: 'StepFunctions-StartSyncExecution',
    service: 'states',
    parameters: p('StateMachineArn*, Name, Input, Region, TraceHeader'),
    build: json(
      'AWSStepFunctions.StartSyncExecution',
      '1.0',
      (v) => present([['stateMachineArn', v['StateMachineArn']], ['name', v['Name']], ['input', v['Input']], ['traceHeader', v['TraceHeader']]]),
      'sync-'
    ),
  },
  {
    subtype: 'StepFunctions-StopExecution',
    service: 'states',
    parameters: p('ExecutionArn*, Cause, Error, Region'),
    build: json('AWSStepFunctions.StopExecution', '1.0', (v) => present([['executionArn', v['ExecutionArn']], ['cause', v['Cause']], ['error', v['Error']]])),
  },
  {
    subtype: 'AppConfig-GetConfiguration',
    service: 'appconfig',
    parameters: p('Application*, Environment*, Configuration*, ClientId*, ClientConfigurationVersion, Region'),
    build: (v) => {
      const seg = (s: string | undefined): string => encodeURIComponent(s ?? '')
      const query: Array<[string, string]> = [['client_id', v['ClientId'] ?? '']]
      if (v['ClientConfigurationVersion'] !== undefined) query.push(['client_configuration_version', v['ClientConfigurationVersion']])
      return {
        ok: true,
        request: {
          method: 'GET',
          path: `/applications/${seg(v['Application'])}/environments/${seg(v['Environment'])}/configurations/${seg(v['Configuration'])}`,
          query,
          headers: {},
          body: '',
          hostPrefix: '',
        },
      }
    },
  },
]

/** `Time` as the API takes it: epoch seconds from a number, else the timestamp text as given. */
function eventTime(value: string): number | string {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value)
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new TypeError(`Time must be a timestamp (ISO 8601 or epoch seconds), not "${value}"`)
  return ms / 1000
}

function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

const BY_NAME = new Map(SUBTYPES.map((s) => [s.subtype, s]))

export function integrationSubtype(name: string): Subtype | undefined {
  return BY_NAME.get(name)
}

export function integrationSubtypeNames(): string[] {
  return SUBTYPES.map((s) => s.subtype)
}

