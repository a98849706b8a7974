/**
 * @module
 * Checks `domainNames` (spec 7): custom domain names served by the HTTPS listener, their
 * certificate and key, their API mappings, and mutual TLS truststores. Truststore
 * certificates AWS would flag are warnings (as `truststoreWarnings`), not errors.
 */
import { createSecureContext } from 'node:tls'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseTruststore } from '../tls/index.js'
import type { LoadedDocument } from './load-file.js'
import type * as M from '../model/index.js'
import { fieldOrigin, originOf, type Reporter } from './reporter.js'
import { DomainNameSchema, type DomainNameInput } from './schema.js'
import { shapeIssues } from './shape.js'

/** What AWS says about an S3 truststore a self-hosted gateway cannot read. */
export const S3_TRUSTSTORE_MESSAGE =
  'truststoreUri: an s3:// truststore cannot be read by a self-hosted gateway; give the PEM bundle as a local file path (or file:// URI)'

const DOMAIN_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
/** AWS's characters for HTTP API mapping keys (spec 7.2); `/` separates levels. */
const MAPPING_KEY = /^[A-Za-z0-9$\-_.+!*'()]+(\/[A-Za-z0-9$\-_.+!*'()]+)*$/
/** Multi-level mappings per domain (spec 7.2). */
export const MAX_MULTI_LEVEL_MAPPINGS = 200

export interface DomainNameContext {
  readonly doc: LoadedDocument
  readonly baseDir: string
  readonly apis: readonly M.ApiDefinition[]
  /** APIs that exist but failed their own checks: mappings to them add no noise. */
  readonly brokenApiIds: ReadonlySet<string>
  /** WebSocket APIs: their ids and stage names. */
  readonly websocketApis: ReadonlyMap<string, ReadonlySet<string>>
  readonly watch: (file: string) => void
}

export function checkDomainNames(items: readonly unknown[], ctx: DomainNameContext, reporter: Reporter, warnings: Reporter): M.DomainNameDefinition[] {
  const out: M.DomainNameDefinition[] = []
  const seen = new Set<string>()
  items.forEach((item, i) => {
    const origin = originOf(ctx.doc, ['domainNames', i])
    const issues = shapeIssues(DomainNameSchema, item, ctx.doc, origin.path)
    if (issues.length > 0) return void reporter.add(issues)
    const input = item as DomainNameInput
    const domain = checkDomainName(input, origin, ctx, reporter, warnings)
    if (domain === undefined) return
    if (seen.has(domain.domainName)) reporter.at(fieldOrigin(ctx.doc, origin, 'domainName'), `domain name "${domain.domainName}" is defined twice`)
    seen.add(domain.domainName)
    out.push(domain)
  })
  return out
}

function checkDomainName(input: DomainNameInput, origin: M.Origin, ctx: DomainNameContext, reporter: Reporter, warnings: Reporter): M.DomainNameDefinition | undefined {
  const before = reporter.count
  const at = (field: string) => fieldOrigin(ctx.doc, origin, field)
  const domainName = input.domainName.toLowerCase()
  if (!DOMAIN_NAME.test(domainName)) reporter.at(at('domainName'), `"${input.domainName}" is not a domain name (a wildcard is allowed as the first label: *.example.com)`)
  const certificatePem = readPem(input.certificateFile, at('certificateFile'), 'certificate', ctx, reporter)
  const privateKeyPem = readPem(input.privateKeyFile, at('privateKeyFile'), 'private key', ctx, reporter)
  if (certificatePem !== undefined && privateKeyPem !== undefined) {
    try {
      createSecureContext({ cert: certificatePem, key: privateKeyPem })
    } catch (err) {
      reporter.at(at('certificateFile'), `the certificate and private key cannot be used together: ${(err as Error).message}`)
    }
  }
  if (input.mutualTlsAuthentication?.truststoreVersion !== undefined) {
    reporter.at(fieldOrigin(ctx.doc, at('mutualTlsAuthentication'), 'truststoreVersion'), 'truststoreVersion names an S3 object version; a local truststore file has none (remove it)')
  }
  const truststore = checkTruststore(input.mutualTlsAuthentication?.truststoreUri, fieldOrigin(ctx.doc, at('mutualTlsAuthentication'), 'truststoreUri'), ctx, reporter, warnings)
  const apiMappings = checkApiMappings(input.apiMappings ?? [], fieldOrigin(ctx.doc, origin, 'apiMappings'), ctx, reporter)
  if (reporter.count > before || certificatePem === undefined || privateKeyPem === undefined || truststore === undefined) return undefined
  return { domainName, certificatePem, privateKeyPem, truststore, apiMappings, origin }
}

function readPem(file: string, origin: M.Origin, what: string, ctx: DomainNameContext, reporter: Reporter): string | undefined {
  const path = resolve(ctx.baseDir, file)
  ctx.watch(path)
  try {
    const pem = readFileSync(path, 'utf8')
    if (!pem.includes('-----BEGIN ')) throw new Error('it is not a PEM file')
    return pem
  } catch (err) {
    reporter.at(origin, `cannot read the ${what} ${path}: ${(err as Error).message}`)
    return undefined
  }
}

/** `null` without mTLS (no truststore, or AWS's `""` that removes it); `undefined` on errors. */
function checkTruststore(
  uri: string | undefined,
  origin: M.Origin,
  ctx: DomainNameContext,
  reporter: Reporter,
  warnings: Reporter
): M.TruststoreDefinition | null | undefined {
  if (uri === undefined || uri === '') return null
  if (uri.startsWith('s3://')) return void reporter.at(origin, S3_TRUSTSTORE_MESSAGE)
  const file = uri.startsWith('file://') ? fileURLToPath(uri) : resolve(ctx.baseDir, uri)
  ctx.watch(file)
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch (err) {
    return void reporter.at(origin, `cannot read the truststore ${file}: ${(err as Error).message}`)
  }
  const parsed = parseTruststore(pem)
  if (!parsed.ok) return void reporter.at(origin, `the truststore ${file} cannot be used: ${parsed.reason}`)
  for (const warning of parsed.truststore.warnings) warnings.at(origin, `truststore warning: ${warning}`)
  return { file, certificates: parsed.truststore.certificates }
}

function checkApiMappings(items: NonNullable<DomainNameInput['apiMappings']>, origin: M.Origin, ctx: DomainNameContext, reporter: Reporter): M.ApiMappingDefinition[] {
  const out: M.ApiMappingDefinition[] = []
  const keys = new Set<string>()
  let multiLevel = 0
  let websocket = 0
  let http = 0
  items.forEach((input, i) => {
    const at = (field: string) => fieldOrigin(ctx.doc, { ...origin, path: [...origin.path, i] }, field)
    const key = input.apiMappingKey ?? ''
    const before = reporter.count
    if (key !== '' && !MAPPING_KEY.test(key)) {
      reporter.at(at('apiMappingKey'), `"${key}" is not a valid apiMappingKey: letters, digits and $-_.+!*'() in segments separated by single "/"`)
    }
    if (keys.has(key)) reporter.at(at('apiMappingKey'), key === '' ? 'two API mappings have no apiMappingKey' : `apiMappingKey "${key}" is used twice`)
    keys.add(key)
    if (key.includes('/')) multiLevel++
    const api = ctx.apis.find((a) => a.apiId === input.apiId)
    const websocketStages = ctx.websocketApis.get(input.apiId)
    if (api === undefined && websocketStages !== undefined) {
      // wss://{domain}/{mappingKey} (spec 10.1); WebSocket keys are one segment (spec 7.2).
      if (key.includes('/')) reporter.at(at('apiMappingKey'), `"${key}" is not a valid apiMappingKey for a WebSocket API: it may not contain "/"`)
      if (!websocketStages.has(input.stage)) {
        reporter.at(at('stage'), `API "${input.apiId}" has no stage "${input.stage}" (stages: ${[...websocketStages].join(', ')})`)
      }
      websocket++
    } else if (api === undefined) {
      if (!ctx.brokenApiIds.has(input.apiId)) {
        const defined = [...ctx.apis.map((a) => a.apiId), ...ctx.websocketApis.keys()]
        reporter.at(at('apiId'), `API "${input.apiId}" does not exist (defined: ${defined.join(', ') || 'none'})`)
      }
    } else {
      http++
      if (!api.stages.some((s) => s.stageName === input.stage)) {
        reporter.at(at('stage'), `API "${input.apiId}" has no stage "${input.stage}" (stages: ${api.stages.map((s) => s.stageName).join(', ')})`)
      }
    }
    if (reporter.count === before) out.push({ apiId: input.apiId, stage: input.stage, apiMappingKey: key, origin: { ...origin, path: [...origin.path, i] } })
  })
  if (multiLevel > MAX_MULTI_LEVEL_MAPPINGS) reporter.at(origin, `a domain name has at most ${MAX_MULTI_LEVEL_MAPPINGS} multi-level API mappings`)
  if (websocket > 0 && http > 0) reporter.at(origin, 'a WebSocket API cannot share a custom domain name with an HTTP API (spec 7.1): map them to different domain names')
  return out
}
