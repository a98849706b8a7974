/**
 * @module
 * Checks integrations (spec 3.1, 4.1, 4.3): Lambda proxy (`AWS_PROXY`) and HTTP proxy
 * (`HTTP_PROXY`) with their timeouts, parameter mappings and, for HTTP, the URI in every
 * stage, the method and the backend TLS settings.
 */
import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { resolve } from 'node:path'
import { compileRequestParameters, compileResponseParameters, type MappingIssue } from '../integrations/index.js'
import { compileValue, integrationSubtype, integrationSubtypeNames } from '../integrations/index.js'
import { parseTargetTemplate, templateVariables } from '../integrations/index.js'
import { DEFAULT_UPSTREAM_TLS } from '../integrations/index.js'
import * as D from './defaults.js'
import type { Draft } from './drafts.js'
import { substituteStageVariables, usesStageVariables } from './integration-uri.js'
import type { LoadedDocument } from './load-file.js'
import type * as M from '../model/index.js'
import { fieldOrigin, type Reporter } from './reporter.js'
import type * as S from './schema.js'
import type { UpstreamTls } from '../model/index.js'
import { HTTP_METHODS } from '../model/index.js'

/** Features AWS has that a self-hosted gateway does not (yet), named in error messages. */
const NOT_SUPPORTED = {
  vpcLink: 'private integrations (VPC_LINK) are not supported by a self-hosted gateway: point an HTTP_PROXY integration at the service directly',
} as const

export interface IntegrationContext {
  readonly doc: LoadedDocument
  readonly stages: readonly M.StageDefinition[]
  readonly baseDir: string
  /** Reports a Lambda URI that names no function (in some stage). */
  readonly checkFunction: (uri: string, origin: M.Origin) => void
  /** Adds a file whose change should reload the config. */
  readonly watch: (file: string) => void
}

export function checkIntegration(draft: Draft<S.IntegrationInput>, ctx: IntegrationContext, reporter: Reporter): M.IntegrationDefinition | undefined {
  const { input } = draft
  const at = (field: string) => fieldOrigin(ctx.doc, draft.origin, draft.sourceNames?.[field] ?? field)
  const before = reporter.count
  const type = input.integrationType
  if (input.integrationSubtype !== undefined) return checkServiceIntegration(draft, ctx, reporter)
  if (type !== 'AWS_PROXY' && type !== 'HTTP_PROXY') {
    reporter.at(at('integrationType'), `integrationType ${type} is not supported for HTTP APIs (use AWS_PROXY or HTTP_PROXY)`)
  }
  for (const field of ['requestTemplates', 'templateSelectionExpression', 'integrationResponses', 'passthroughBehavior'] as const) {
    if (input[field] !== undefined) reporter.at(at(field), `${field} apply to WebSocket APIs only (HTTP APIs use parameter mapping)`)
  }
  if (input.connectionType === 'VPC_LINK') reporter.at(at('connectionType'), NOT_SUPPORTED.vpcLink)
  const timeout = input.timeoutInMillis ?? D.DEFAULT_INTEGRATION_TIMEOUT_MS
  if (timeout < D.MIN_INTEGRATION_TIMEOUT_MS || timeout > D.MAX_INTEGRATION_TIMEOUT_MS) {
    reporter.at(at('timeoutInMillis'), `timeoutInMillis must be between ${D.MIN_INTEGRATION_TIMEOUT_MS} and ${D.MAX_INTEGRATION_TIMEOUT_MS}`)
  }
  const requestParameters = checkRequestParameters(input.requestParameters, at('requestParameters'), ctx.doc, reporter)
  const responseParameters = checkResponseParameters(input.responseParameters, at('responseParameters'), ctx.doc, reporter)
  const uri = input.integrationUri
  if (uri === undefined) {
    const name = draft.sourceNames?.['integrationUri'] ?? 'integrationUri'
    const what = type === 'HTTP_PROXY' ? 'the backend URL (http:// or https://)' : 'the Lambda function name or ARN'
    reporter.at(draft.origin, `${name} is required: ${what}`, name)
  }
  const common = { integrationId: input.integrationId, timeoutInMillis: timeout, requestParameters, responseParameters, origin: draft.origin }

  if (type === 'HTTP_PROXY') {
    if (uri !== undefined) checkHttpUri(uri, at('integrationUri'), ctx.stages, reporter)
    const method = (input.integrationMethod ?? '').toUpperCase()
    if (input.integrationMethod === undefined) {
      const name = draft.sourceNames?.['integrationMethod'] ?? 'integrationMethod'
      reporter.at(draft.origin, `${name} is required for HTTP_PROXY integrations (an HTTP method, or ANY)`, name)
    } else if (method !== 'ANY' && !(HTTP_METHODS as readonly string[]).includes(method)) {
      reporter.at(at('integrationMethod'), `integrationMethod must be one of ${HTTP_METHODS.join(', ')} or ANY`)
    }
    const version = input.payloadFormatVersion === undefined ? '1.0' : normaliseVersion(input.payloadFormatVersion)
    if (version !== '1.0') reporter.at(at('payloadFormatVersion'), 'payloadFormatVersion must be "1.0" for HTTP_PROXY integrations')
    const tls = checkTlsConfig(input.tlsConfig, at('tlsConfig'), ctx, reporter)
    if (reporter.count > before || uri === undefined) return undefined
    return { ...common, integrationType: 'HTTP_PROXY', integrationUri: uri, integrationMethod: method, payloadFormatVersion: '1.0', tls }
  }

  if (input.tlsConfig !== undefined) reporter.at(at('tlsConfig'), 'tlsConfig applies to HTTP_PROXY integrations only')
  if (type !== 'AWS_PROXY') return undefined
  const version = input.payloadFormatVersion === undefined ? undefined : normaliseVersion(input.payloadFormatVersion)
  if (version === undefined) {
    reporter.at(
      input.payloadFormatVersion === undefined ? draft.origin : at('payloadFormatVersion'),
      input.payloadFormatVersion === undefined
        ? 'payloadFormatVersion is required for HTTP API integrations ("1.0" or "2.0")'
        : `payloadFormatVersion must be "1.0" or "2.0"`,
      input.payloadFormatVersion === undefined ? (draft.sourceNames?.['payloadFormatVersion'] ?? 'payloadFormatVersion') : undefined
    )
  }
  if (input.integrationMethod !== undefined && input.integrationMethod !== 'POST') {
    reporter.at(at('integrationMethod'), 'integrationMethod must be POST for Lambda integrations')
  }
  if (uri !== undefined) ctx.checkFunction(uri, at('integrationUri'))
  if (reporter.count > before || uri === undefined || version === undefined) return undefined
  return { ...common, integrationType: 'AWS_PROXY', integrationUri: uri, payloadFormatVersion: version }
}

/**
 * A first-class integration (spec 4.5): `AWS_PROXY` with a known `integrationSubtype`, payload
 * format 1.0, no URI or method, and `requestParameters` naming only the action's parameters,
 * with every required one present and each value a valid mapping value.
 */
function checkServiceIntegration(draft: Draft<S.IntegrationInput>, ctx: IntegrationContext, reporter: Reporter): M.IntegrationDefinition | undefined {
  const { input } = draft
  const at = (field: string) => fieldOrigin(ctx.doc, draft.origin, draft.sourceNames?.[field] ?? field)
  const before = reporter.count
  const name = input.integrationSubtype ?? ''
  if (input.integrationType !== 'AWS_PROXY') reporter.at(at('integrationType'), `integrationType must be AWS_PROXY for an integrationSubtype (first-class integration)`)
  const subtype = integrationSubtype(name)
  if (subtype === undefined) reporter.at(at('integrationSubtype'), `integrationSubtype "${name}" is not one of ${integrationSubtypeNames().join(', ')}`)
  for (const field of ['integrationUri', 'integrationMethod', 'tlsConfig', 'requestTemplates', 'templateSelectionExpression', 'integrationResponses', 'passthroughBehavior'] as const) {
    if (input[field] !== undefined) reporter.at(at(field), `${field} does not apply to first-class integrations (integrationSubtype)`)
  }
  if (input.connectionType === 'VPC_LINK') reporter.at(at('connectionType'), NOT_SUPPORTED.vpcLink)
  if (input.payloadFormatVersion !== undefined && normaliseVersion(input.payloadFormatVersion) !== '1.0') {
    reporter.at(at('payloadFormatVersion'), 'payloadFormatVersion must be "1.0" for first-class integrations')
  }
  const timeout = input.timeoutInMillis ?? D.DEFAULT_INTEGRATION_TIMEOUT_MS
  if (timeout < D.MIN_INTEGRATION_TIMEOUT_MS || timeout > D.MAX_INTEGRATION_TIMEOUT_MS) {
    reporter.at(at('timeoutInMillis'), `timeoutInMillis must be between ${D.MIN_INTEGRATION_TIMEOUT_MS} and ${D.MAX_INTEGRATION_TIMEOUT_MS}`)
  }
  const parameters = (input.requestParameters ?? {}) as Record<string, unknown>
  const where = at('requestParameters')
  if (subtype !== undefined) {
    const known = new Map(subtype.parameters.map((p) => [p.name, p]))
    for (const [key, value] of Object.entries(parameters)) {
      const keyAt = fieldOrigin(ctx.doc, where, key)
      if (!known.has(key)) {
        reporter.at(keyAt, `${subtype.subtype} takes no parameter "${key}" (it takes ${subtype.parameters.map((p) => p.name).join(', ')})`)
        continue
      }
      if (typeof value !== 'string') {
        reporter.at(keyAt, 'parameter values are strings: static text or $request.*, $context.*, $stageVariables.*')
        continue
      }
      const compiled = compileValue(value, 'request')
      if (!compiled.ok) reporter.at(keyAt, compiled.reason)
    }
    const missing = subtype.parameters.filter((p) => p.required && parameters[p.name] === undefined).map((p) => p.name)
    if (missing.length > 0) {
      reporter.at(input.requestParameters === undefined ? draft.origin : where, `${subtype.subtype} requires ${missing.join(', ')} in requestParameters`, input.requestParameters === undefined ? 'requestParameters' : undefined)
    }
  }
  const responseParameters = checkResponseParameters(input.responseParameters, at('responseParameters'), ctx.doc, reporter)
  if (reporter.count > before || subtype === undefined) return undefined
  return {
    integrationType: 'AWS_PROXY',
    integrationId: input.integrationId,
    integrationSubtype: subtype.subtype,
    integrationUri: `arn:aws:apigateway::${subtype.service}:action/${subtype.subtype.slice(subtype.subtype.indexOf('-') + 1)}`,
    credentialsArn: input.credentialsArn ?? null,
    payloadFormatVersion: '1.0',
    timeoutInMillis: timeout,
    requestParameters: parameters as Record<string, string>,
    responseParameters,
    origin: draft.origin,
  }
}

/** Route variables (`{id}`, `{proxy}`) an HTTP_PROXY URI uses; none for Lambda integrations. */
export function uriRouteVariables(integration: M.IntegrationDefinition, stages: readonly M.StageDefinition[]): string[] {
  if (integration.integrationType !== 'HTTP_PROXY') return []
  const names = new Set<string>()
  for (const stage of stages) {
    const sub = substituteStageVariables(integration.integrationUri, stage.stageVariables)
    const template = sub.ok ? parseTargetTemplate(sub.value) : null
    if (template !== null) for (const name of templateVariables(template)) names.add(name)
  }
  return [...names]
}

function normaliseVersion(v: string | number | boolean): M.PayloadFormatVersion | undefined {
  const s = typeof v === 'number' ? v.toFixed(1) : String(v)
  return s === '1.0' || s === '2.0' ? s : undefined
}

/** The URI must be an absolute http(s) URL in every stage, after stage variables. */
export function checkHttpUri(uri: string, origin: M.Origin, stages: readonly M.StageDefinition[], reporter: Reporter): void {
  const candidates = usesStageVariables(uri)
    ? stages.map((s) => ({ stage: s.stageName as string | undefined, sub: substituteStageVariables(uri, s.stageVariables) }))
    : [{ stage: undefined, sub: { ok: true as const, value: uri } }]
  for (const { stage, sub } of candidates) {
    const inStage = stage !== undefined ? ` in stage "${stage}"` : ''
    if (!sub.ok) {
      reporter.at(origin, `stage variable "${sub.missing}" is not defined${inStage}`)
    } else if (parseTargetTemplate(sub.value) === null) {
      reporter.at(
        origin,
        `"${sub.value}"${inStage} is not a valid HTTP_PROXY URI: it must be an absolute http:// or https:// URL ` +
          'without credentials or fragment, with {variables} only in the path'
      )
    }
  }
}

export function checkTlsConfig(input: S.IntegrationInput['tlsConfig'], origin: M.Origin, ctx: IntegrationContext, reporter: Reporter): UpstreamTls {
  if (input === undefined) return DEFAULT_UPSTREAM_TLS
  let ca: string | null = null
  if (input.caFile !== undefined) {
    const file = resolve(ctx.baseDir, input.caFile)
    ctx.watch(file)
    try {
      ca = readFileSync(file, 'utf8')
      const certs = ca.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
      if (certs.length === 0) throw new Error('no PEM certificate in it')
      for (const pem of certs) new X509Certificate(pem)
    } catch (err) {
      reporter.at(fieldOrigin(ctx.doc, origin, 'caFile'), `cannot use ${file} as the backend's CA bundle: ${(err as Error).message}`)
    }
  }
  return {
    ca,
    serverNameToVerify: input.serverNameToVerify ?? null,
    insecureSkipVerification: input.insecureSkipVerification ?? false,
  }
}

function checkRequestParameters(value: unknown, origin: M.Origin, doc: LoadedDocument, reporter: Reporter): Record<string, string> {
  if (value === undefined) return {}
  const { issues } = compileRequestParameters(value as Record<string, unknown>)
  reportMappingIssues(issues, origin, doc, reporter)
  return value as Record<string, string>
}

function checkResponseParameters(value: unknown, origin: M.Origin, doc: LoadedDocument, reporter: Reporter): Record<string, Record<string, string>> {
  if (value === undefined) return {}
  const { issues } = compileResponseParameters(value as Record<string, unknown>)
  reportMappingIssues(issues, origin, doc, reporter)
  return value as Record<string, Record<string, string>>
}

/** Each issue at its own key's line (`responseParameters` → status → mapping key). */
function reportMappingIssues(issues: readonly MappingIssue[], origin: M.Origin, doc: LoadedDocument, reporter: Reporter): void {
  for (const { at, reason } of issues) {
    let where = origin
    for (const key of at) where = fieldOrigin(doc, where, key)
    reporter.at(where, reason)
  }
}
