/**
 * @module
 * AWS service integrations in the management API, checked as CreateIntegration checks them
 * and refused, with a message naming what, where the data plane could not serve them:
 * - HTTP APIs: first-class integrations, `AWS_PROXY` with an `integrationSubtype` whose
 *   `requestParameters` are the action's parameters ("Integration subtype reference").
 * - WebSocket APIs: `AWS` (non-proxy) integrations calling a service action or path
 *   (`arn:aws:apigateway:{region}:{service}:action/{Action}` or `...:path/{path}`), or a Lambda
 *   function through its invocation ARN, with request templates.
 * The checks run on the integration as it will be stored (an update's members over the
 * current ones), so an update cannot leave an integration the data plane refuses.
 */
import { awsService, awsServiceNames, parseServiceUri } from '../../aws/index.js'
import { compileValue, integrationSubtype, integrationSubtypeNames } from '../../integrations/index.js'
import { HTTP_METHODS } from '../../model/index.js'
import { compileTemplate } from '../../websocket/index.js'
import { badRequest } from './errors.js'
import type { Wire } from './state.js'

/** As the data plane reads it (config/integration-uri.ts): the function ARN may be a stage variable. */
const INVOCATION_ARN = /^arn:aws[a-z-]*:apigateway:[^:]*:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/
/** A role to assume, or `arn:aws:iam::*:user/*` (the caller's own credentials, WebSocket and REST APIs). */
const CREDENTIALS_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|\*):(role|user)\/.+$/
/** What a first-class integration names through its subtype instead. */
const NOT_FOR_SUBTYPES = ['integrationUri', 'integrationMethod', 'tlsConfig'] as const

export function isLambdaInvocationArn(uri: string): boolean {
  return INVOCATION_ARN.test(uri)
}

function checkCredentialsArn(next: Wire): void {
  const arn = next['credentialsArn']
  if (typeof arn === 'string' && !CREDENTIALS_ARN.test(arn)) throw badRequest(`Invalid credentialsArn specified: "${arn}" is not an IAM role ARN`)
}

/** An HTTP API integration with `integrationSubtype`. */
export function checkFirstClassIntegration(next: Wire): void {
  const name = next['integrationSubtype'] as string
  const type = next['integrationType'] as string
  if (type !== 'AWS_PROXY') throw badRequest(`integrationSubtype is supported only for integrationType AWS_PROXY, not ${type}`)
  const subtype = integrationSubtype(name)
  if (subtype === undefined) throw badRequest(`Invalid integrationSubtype specified: "${name}". Must be one of [${integrationSubtypeNames().join(', ')}]`)
  for (const field of NOT_FOR_SUBTYPES) {
    if (next[field] !== undefined) throw badRequest(`${field} is not supported for integrationSubtype ${name}: the subtype names the AWS action`)
  }
  const version = next['payloadFormatVersion']
  if (version !== undefined && version !== '1.0') throw badRequest(`payloadFormatVersion must be 1.0 for integrationSubtype ${name}`)
  checkCredentialsArn(next)
  const names = subtype.parameters.map((p) => p.name)
  const required = subtype.parameters.filter((p) => p.required).map((p) => p.name)
  const parameters = next['requestParameters'] as Record<string, string> | undefined
  if (parameters === undefined) throw badRequest(`requestParameters is required for integrationSubtype ${name} (${required.join(', ')})`)
  for (const [key, value] of Object.entries(parameters)) {
    if (!names.includes(key)) throw badRequest(`integrationSubtype ${name} takes no parameter "${key}"; it takes ${names.join(', ')}`)
    const compiled = compileValue(value, 'request')
    if (!compiled.ok) throw badRequest(`Invalid mapping expression for requestParameters "${key}": ${compiled.reason}`)
  }
  const missing = required.filter((p) => parameters[p] === undefined)
  if (missing.length > 0) throw badRequest(`integrationSubtype ${name} requires requestParameters ${missing.join(', ')}`)
}

/** A WebSocket API integration of type `AWS` (its URI is known to be present). */
export function checkAwsIntegration(next: Wire): void {
  const uri = next['integrationUri'] as string
  if (!isLambdaInvocationArn(uri)) {
    const parsed = parseServiceUri(uri)
    if (!parsed.ok) throw badRequest(`Invalid integrationUri specified for AWS: ${parsed.reason}`)
    const service = awsService(parsed.service)
    if (service === undefined) throw badRequest(`AWS service "${parsed.service}" is not served by Gatehouse; it calls ${awsServiceNames().join(', ')}`)
    if (parsed.kind === 'action' && service.json === null) {
      throw badRequest(`action/ URIs for ${service.name} are not served by Gatehouse (it calls actions of JSON-protocol services); use a path/ URI`)
    }
  }
  const method = next['integrationMethod']
  if (method === undefined) throw badRequest('integrationMethod is required for integrationType AWS')
  if (!(HTTP_METHODS as readonly string[]).includes(String(method).toUpperCase())) throw badRequest(`Invalid integrationMethod specified: "${String(method)}". Must be one of [${HTTP_METHODS.join(', ')}]`)
  checkCredentialsArn(next)
  for (const [key, text] of Object.entries((next['requestTemplates'] as Record<string, string> | undefined) ?? {})) {
    const compiled = compileTemplate(text)
    if (!compiled.ok) throw badRequest(`Invalid requestTemplates "${key}": ${compiled.reason}`)
  }
}
