/**
 * @module
 * Custom domain names, API mappings and tags. Domain names are recorded with their mappings;
 * serving one needs a certificate and private key on disk (AWS names an ACM certificate), so a
 * domain is served when it is declared in gatehouse.yaml — the control plane says so in
 * `domainNameStatusMessage` rather than pretending.
 */
import { apiOf, created, noContent, ok, page, type OpContext, type OpInput, type OpResult } from './context.js'
import { badRequest, conflict, notFound } from './errors.js'
import { newId } from './ids.js'
import { assign, Members } from './members.js'
import type { DomainNameState, Wire } from './state.js'

export const DOMAIN_NOT_SERVED_MESSAGE = 'Recorded by Gatehouse; not served: declare this domain name with certificateFile and privateKeyFile in gatehouse.yaml to serve it'
const DOMAIN_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

function domainOf(ctx: OpContext, name: string): DomainNameState {
  const found = ctx.state.domainNames[name.toLowerCase()]
  if (found === undefined) throw notFound(`Invalid domain name identifier specified ${name}`, 'DomainName')
  return found
}

/** The one regional configuration AWS reports; a given `certificateArn` is kept. */
function configurations(body: Wire, ctx: OpContext): Wire[] {
  const given = Array.isArray(body['domainNameConfigurations']) ? (body['domainNameConfigurations'] as unknown[]) : []
  const first = given[0]
  const certificateArn = typeof first === 'object' && first !== null ? new Members(first as Wire, undefined, 'domainNameConfigurations.0.').str('certificateArn') : undefined
  return [
    {
      apiGatewayDomainName: `d-${newId('api')}.execute-api.${ctx.region}.amazonaws.com`,
      ...(certificateArn !== undefined ? { certificateArn } : {}),
      domainNameStatus: 'AVAILABLE',
      domainNameStatusMessage: DOMAIN_NOT_SERVED_MESSAGE,
      endpointType: 'REGIONAL',
      securityPolicy: 'TLS_1_2',
    },
  ]
}

function mappingOf(ctx: OpContext, domain: DomainNameState, m: Members, current: Wire | undefined): Wire {
  const next: Wire = { ...(current ?? {}) }
  assign(next, 'apiId', m.str('apiId', { required: true }))
  assign(next, 'stage', m.str('stage', { required: current === undefined }))
  assign(next, 'apiMappingKey', m.str('apiMappingKey', { maxLength: 300 }))
  const apiId = next['apiId'] as string
  const api = ctx.state.apis[apiId]
  if (api === undefined && !ctx.fileApis.has(apiId)) throw notFound(`Invalid API identifier specified ${ctx.accountId}:${apiId}`, 'Api')
  if (api !== undefined && api.stages[next['stage'] as string] === undefined) throw badRequest(`Invalid stage specified: API ${apiId} has no stage ${String(next['stage'])}`)
  const key = (next['apiMappingKey'] as string | undefined) ?? ''
  if (Object.values(domain.apiMappings).some((x) => (x['apiMappingKey'] ?? '') === key && x['apiMappingId'] !== next['apiMappingId'])) {
    throw conflict(`An API mapping with key '${key}' already exists for ${String(domain.domainName['domainName'])}`)
  }
  return next
}

export const domainOperations = {
  CreateDomainName(ctx: OpContext, { body }: OpInput): OpResult {
    const m = new Members(body)
    const domainName = (m.str('domainName', { required: true, maxLength: 512 }) as string).toLowerCase()
    if (!DOMAIN_NAME.test(domainName)) throw badRequest(`Invalid domainName specified: "${domainName}"`)
    if (ctx.state.domainNames[domainName] !== undefined) throw conflict(`The domain name you provided already exists: ${domainName}`)
    const domain: Wire = {
      apiMappingSelectionExpression: '$request.basepath',
      domainName,
      domainNameConfigurations: configurations(body, ctx),
      tags: m.strMap('tags') ?? {},
    }
    const mtls = m.members('mutualTlsAuthentication')
    if (mtls !== undefined) domain['mutualTlsAuthentication'] = { truststoreUri: mtls.str('truststoreUri', { required: true }), ...(mtls.str('truststoreVersion') !== undefined ? { truststoreVersion: mtls.str('truststoreVersion') } : {}) }
    ctx.state.domainNames[domainName] = { domainName: domain, apiMappings: {} }
    return created(domain)
  },
  GetDomainName(ctx: OpContext, { params }: OpInput): OpResult {
    return ok(domainOf(ctx, params['domainName'] as string).domainName)
  },
  GetDomainNames(ctx: OpContext, { query }: OpInput): OpResult {
    return ok(page(Object.values(ctx.state.domainNames).map((d) => d.domainName), query))
  },
  UpdateDomainName(ctx: OpContext, { params, body }: OpInput): OpResult {
    const domain = domainOf(ctx, params['domainName'] as string)
    const m = new Members(body)
    if (m.has('domainNameConfigurations')) m.obj('domainNameConfigurations') // type check only: the recorded configuration stays
    return ok(domain.domainName)
  },
  DeleteDomainName(ctx: OpContext, { params }: OpInput): OpResult {
    domainOf(ctx, params['domainName'] as string)
    delete ctx.state.domainNames[(params['domainName'] as string).toLowerCase()]
    return noContent
  },

  CreateApiMapping(ctx: OpContext, { params, body }: OpInput): OpResult {
    const domain = domainOf(ctx, params['domainName'] as string)
    const mapping = mappingOf(ctx, domain, new Members(body), { apiMappingId: newId('apiMapping', (id) => id in domain.apiMappings) })
    domain.apiMappings[mapping['apiMappingId'] as string] = mapping
    return created(mapping)
  },
  GetApiMapping(ctx: OpContext, { params }: OpInput): OpResult {
    const domain = domainOf(ctx, params['domainName'] as string)
    const mapping = domain.apiMappings[params['apiMappingId'] as string]
    if (mapping === undefined) throw notFound(`Invalid API mapping identifier specified ${params['apiMappingId'] as string}`, 'ApiMapping')
    return ok(mapping)
  },
  GetApiMappings(ctx: OpContext, { params, query }: OpInput): OpResult {
    return ok(page(Object.values(domainOf(ctx, params['domainName'] as string).apiMappings), query))
  },
  UpdateApiMapping(ctx: OpContext, { params, body }: OpInput): OpResult {
    const domain = domainOf(ctx, params['domainName'] as string)
    const id = params['apiMappingId'] as string
    const current = domain.apiMappings[id]
    if (current === undefined) throw notFound(`Invalid API mapping identifier specified ${id}`, 'ApiMapping')
    const next = mappingOf(ctx, domain, new Members(body), current)
    domain.apiMappings[id] = next
    return ok(next)
  },
  DeleteApiMapping(ctx: OpContext, { params }: OpInput): OpResult {
    const domain = domainOf(ctx, params['domainName'] as string)
    const id = params['apiMappingId'] as string
    if (domain.apiMappings[id] === undefined) throw notFound(`Invalid API mapping identifier specified ${id}`, 'ApiMapping')
    delete domain.apiMappings[id]
    return noContent
  },

  GetTags(ctx: OpContext, { params }: OpInput): OpResult {
    return ok({ tags: taggable(ctx, params['resourceArn'] as string) })
  },
  TagResource(ctx: OpContext, { params, body }: OpInput): OpResult {
    const tags = taggable(ctx, params['resourceArn'] as string)
    const added = new Members(body).strMap('tags') ?? {}
    if (Object.keys({ ...tags, ...added }).length > 50) throw badRequest('A resource has at most 50 tags')
    Object.assign(tags, added)
    return created({})
  },
  UntagResource(ctx: OpContext, { params, query }: OpInput): OpResult {
    const tags = taggable(ctx, params['resourceArn'] as string)
    for (const key of query.getAll('tagKeys').flatMap((k) => k.split(','))) delete tags[key]
    return noContent
  },
}

/** The `tags` map of the resource an ARN names: `arn:aws:apigateway:{region}::/apis/{id}`, `…/stages/{name}`, `…/domainnames/{name}`. */
function taggable(ctx: OpContext, arn: string): Record<string, string> {
  const match = /^arn:aws[a-z-]*:apigateway:[^:]*::\/(apis\/([a-z0-9]+)(\/stages\/([^/]+))?|domainnames\/([^/]+))$/.exec(arn)
  if (match === null) throw badRequest(`Invalid resource ARN specified: ${arn}`)
  let holder: Wire
  if (match[5] !== undefined) holder = domainOf(ctx, match[5]).domainName
  else {
    const api = apiOf(ctx, match[2] as string)
    if (match[4] !== undefined) {
      const stage = api.stages[match[4]]
      if (stage === undefined) throw notFound(`Invalid stage identifier specified ${match[4]}`, 'Stage')
      holder = stage
    } else holder = api.api
  }
  const tags = (holder['tags'] ??= {}) as Record<string, string>
  return tags
}
