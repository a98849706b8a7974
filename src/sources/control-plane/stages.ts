/**
 * @module
 * Stages and deployments. A deployment freezes the API's definition; a stage serves the
 * deployment it points at, and an `autoDeploy` stage is moved to a new deployment after every
 * change of the API (spec 12.4; AWS does it asynchronously, Gatehouse at once).
 */
import { apiOf, child, created, isHttp, noContent, ok, page, rejectMembers, type OpContext, type OpInput, type OpResult } from './context.js'
import { badRequest, conflict, notFound } from './errors.js'
import { isoNow, newId } from './ids.js'
import { assign, Members } from './members.js'
import { definitionOf, type ApiState, type Wire } from './state.js'

/** Spec 13.2 and 1.4. */
export const MAX_STAGES_PER_API = 10
export const MAX_STAGE_VARIABLES = 100
export const STAGE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/
export const DEFAULT_STAGE = '$default'
/** `[UNCONFIRMED]` (spec 12.5): the message of `CreateDeployment` on an API without routes. */
export const NO_ROUTES_MESSAGE = 'Unable to deploy API because no routes exist in this API'

const WEBSOCKET_ONLY = ['clientCertificateId']

function routeSettings(m: Members | undefined, http: boolean): Wire | undefined {
  if (m === undefined) return undefined
  if (http) rejectMembers(m.present(['dataTraceEnabled', 'loggingLevel']), 'HTTP')
  const settings: Wire = {}
  assign(settings, 'dataTraceEnabled', m.bool('dataTraceEnabled'))
  assign(settings, 'detailedMetricsEnabled', m.bool('detailedMetricsEnabled'))
  assign(settings, 'loggingLevel', m.str('loggingLevel', { oneOf: ['ERROR', 'INFO', 'OFF'] }))
  assign(settings, 'throttlingBurstLimit', m.int('throttlingBurstLimit', 0, Number.MAX_SAFE_INTEGER))
  assign(settings, 'throttlingRateLimit', m.num('throttlingRateLimit', 0))
  return settings
}

function applyStage(api: ApiState, m: Members, current: Wire | undefined, now: number): Wire {
  const http = isHttp(api)
  if (http) rejectMembers(m.present(WEBSOCKET_ONLY), 'HTTP')
  const next: Wire = { ...(current ?? {}) }
  assign(next, 'description', m.str('description'))
  assign(next, 'autoDeploy', m.bool('autoDeploy'))
  assign(next, 'clientCertificateId', m.str('clientCertificateId'))
  const deploymentId = m.str('deploymentId')
  if (deploymentId !== undefined) {
    if (api.deployments[deploymentId] === undefined) throw badRequest(`Invalid deploymentId specified: ${deploymentId} is not a deployment of this API`)
    next['deploymentId'] = deploymentId
  }
  const variables = m.strMap('stageVariables')
  if (variables !== undefined) {
    if (Object.keys(variables).length > MAX_STAGE_VARIABLES) throw badRequest(`A stage has at most ${MAX_STAGE_VARIABLES} stage variables`)
    for (const [k, v] of Object.entries(variables)) {
      if (!/^[A-Za-z0-9_]{1,64}$/.test(k)) throw badRequest(`Invalid stage variable name "${k}": letters, digits and underscores, up to 64`)
      if (v.length > 512) throw badRequest(`Stage variable "${k}" is longer than 512 characters`)
    }
    next['stageVariables'] = variables
  }
  const defaults = routeSettings(m.members('defaultRouteSettings'), http)
  if (defaults !== undefined) next['defaultRouteSettings'] = { ...(next['defaultRouteSettings'] as Wire | undefined), ...defaults }
  const perRoute = m.obj('routeSettings')
  if (perRoute !== undefined) {
    const all: Record<string, unknown> = { ...(next['routeSettings'] as Wire | undefined) }
    for (const key of Object.keys(perRoute)) {
      if (!Object.values(api.routes).some((r) => r['routeKey'] === key)) throw badRequest(`Invalid routeSettings key "${key}": no route of this API has that route key`)
      all[key] = { ...(all[key] as Wire | undefined), ...routeSettings(new Members(perRoute).members(key, { required: true }), http) }
    }
    next['routeSettings'] = all
  }
  const logs = m.members('accessLogSettings')
  if (logs !== undefined) {
    const format = logs.str('format', { maxLength: 3072 })
    if (format !== undefined && format.includes('\n')) throw badRequest('accessLogSettings.format must be a single line')
    next['accessLogSettings'] = { ...(logs.str('destinationArn') !== undefined ? { destinationArn: logs.str('destinationArn') } : {}), ...(format !== undefined ? { format } : {}) }
  }
  assign(next, 'tags', m.strMap('tags'))
  next['autoDeploy'] ??= false
  next['defaultRouteSettings'] ??= http ? { detailedMetricsEnabled: false } : { dataTraceEnabled: false, detailedMetricsEnabled: false, loggingLevel: 'OFF' }
  next['routeSettings'] ??= {}
  next['stageVariables'] ??= {}
  next['tags'] ??= {}
  next['lastUpdatedDate'] = isoNow(now)
  return next
}

/** Freezes the API's definition in a new deployment. */
export function deploy(ctx: OpContext, api: ApiState, options: { autoDeployed: boolean; description?: string }): Wire {
  const deploymentId = newId('deployment', (id) => id in api.deployments)
  const deployment: Wire = {
    autoDeployed: options.autoDeployed,
    createdDate: isoNow(ctx.now),
    deploymentId,
    deploymentStatus: 'DEPLOYED',
    ...(options.description !== undefined ? { description: options.description } : {}),
  }
  api.deployments[deploymentId] = { deployment, definition: definitionOf(api) }
  return deployment
}

/**
 * Moves every `autoDeploy` stage of a changed API to a fresh deployment. Superseded automatic
 * deployments no stage serves are dropped, so the state does not grow with every change.
 */
export function autoDeploy(ctx: OpContext, api: ApiState): void {
  const stages = Object.values(api.stages).filter((s) => s['autoDeploy'] === true)
  if (stages.length === 0) return
  if (Object.keys(api.routes).length === 0) {
    // As AWS: the automatic deployment fails and the stage keeps serving its last deployment.
    for (const stage of stages) stage['lastDeploymentStatusMessage'] = NO_ROUTES_MESSAGE
    return
  }
  const deployment = deploy(ctx, api, { autoDeployed: true })
  for (const stage of stages) {
    stage['deploymentId'] = deployment['deploymentId']
    stage['lastDeploymentStatusMessage'] = `Successfully deployed stage with deployment ID '${String(deployment['deploymentId'])}'`
  }
  dropUnusedAutoDeployments(api)
}

function dropUnusedAutoDeployments(api: ApiState): void {
  const used = new Set(Object.values(api.stages).map((s) => s['deploymentId']))
  for (const [id, d] of Object.entries(api.deployments)) if (d.deployment['autoDeployed'] === true && !used.has(id)) delete api.deployments[id]
}

export function createStageIn(ctx: OpContext, api: ApiState, body: Wire, extra: Wire = {}): Wire {
  const m = new Members(body)
  const stageName = m.str('stageName', { required: true }) as string
  if (stageName !== DEFAULT_STAGE && !STAGE_NAME_PATTERN.test(stageName)) throw badRequest(`Invalid stageName "${stageName}": letters, digits, "-" and "_", up to 128 characters, or $default`)
  if (api.stages[stageName] !== undefined) throw conflict(`Stage ${stageName} already exists`)
  if (Object.keys(api.stages).length >= MAX_STAGES_PER_API) throw badRequest(`Maximum number of stages (${MAX_STAGES_PER_API}) reached for this API`)
  const stage: Wire = { stageName, createdDate: isoNow(ctx.now), ...applyStage(api, m, undefined, ctx.now), ...extra }
  api.stages[stageName] = stage
  if (stage['autoDeploy'] === true) ctx.touched.add(api.api['apiId'] as string)
  return stage
}

export const stageOperations = {
  CreateStage(ctx: OpContext, { params, body }: OpInput): OpResult {
    return created(createStageIn(ctx, apiOf(ctx, params['apiId'] as string), body))
  },
  GetStage(ctx: OpContext, { params }: OpInput): OpResult {
    return ok(child(apiOf(ctx, params['apiId'] as string, false).stages, params['stageName'] as string, 'Stage'))
  },
  GetStages(ctx: OpContext, { params, query }: OpInput): OpResult {
    return ok(page(Object.values(apiOf(ctx, params['apiId'] as string, false).stages), query))
  },
  UpdateStage(ctx: OpContext, { params, body }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const name = params['stageName'] as string
    const current = child(api.stages, name, 'Stage')
    if (current['apiGatewayManaged'] === true) throw badRequest(`Stage ${name} was created by quick create and cannot be modified`)
    const next = applyStage(api, new Members(body), current, ctx.now)
    api.stages[name] = next
    if (next['autoDeploy'] === true && current['autoDeploy'] !== true) ctx.touched.add(params['apiId'] as string)
    dropUnusedAutoDeployments(api)
    return ok(next)
  },
  DeleteStage(ctx: OpContext, { params }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const name = params['stageName'] as string
    const stage = child(api.stages, name, 'Stage')
    if (stage['apiGatewayManaged'] === true) throw badRequest(`Stage ${name} was created by quick create and cannot be deleted`)
    delete api.stages[name]
    dropUnusedAutoDeployments(api)
    return noContent
  },
  DeleteAccessLogSettings(ctx: OpContext, { params }: OpInput): OpResult {
    const stage = child(apiOf(ctx, params['apiId'] as string).stages, params['stageName'] as string, 'Stage')
    delete stage['accessLogSettings']
    return noContent
  },
  DeleteRouteSettings(ctx: OpContext, { params }: OpInput): OpResult {
    const stage = child(apiOf(ctx, params['apiId'] as string).stages, params['stageName'] as string, 'Stage')
    const settings = stage['routeSettings'] as Record<string, unknown>
    const key = params['routeKey'] as string
    if (settings[key] === undefined) throw notFound(`Invalid route settings key specified ${key}`, 'RouteSettings')
    delete settings[key]
    return noContent
  },

  /**
   * Authorizer caches live in the compiled snapshot, so the change every operation applies (a
   * fresh compile and swap) empties them: for this stage as AWS does, and for the others too.
   */
  ResetAuthorizersCache(ctx: OpContext, { params }: OpInput): OpResult {
    child(apiOf(ctx, params['apiId'] as string).stages, params['stageName'] as string, 'Stage')
    return noContent
  },

  CreateDeployment(ctx: OpContext, { params, body }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const m = new Members(body)
    const description = m.str('description')
    const stageName = m.str('stageName')
    const stage = stageName === undefined ? undefined : child(api.stages, stageName, 'Stage')
    if (stage?.['autoDeploy'] === true) throw badRequest(`Stage ${stageName as string} has autoDeploy enabled; it is deployed automatically`)
    if (Object.keys(api.routes).length === 0) throw badRequest(NO_ROUTES_MESSAGE)
    const deployment = deploy(ctx, api, { autoDeployed: false, ...(description !== undefined ? { description } : {}) })
    if (stage !== undefined) {
      stage['deploymentId'] = deployment['deploymentId']
      stage['lastUpdatedDate'] = isoNow(ctx.now)
      dropUnusedAutoDeployments(api)
    }
    return created(deployment)
  },
  GetDeployment(ctx: OpContext, { params }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string, false)
    const found = api.deployments[params['deploymentId'] as string]
    if (found === undefined) throw notFound(`Invalid Deployment identifier specified ${params['deploymentId'] as string}`, 'Deployment')
    return ok(found.deployment)
  },
  GetDeployments(ctx: OpContext, { params, query }: OpInput): OpResult {
    return ok(page(Object.values(apiOf(ctx, params['apiId'] as string, false).deployments).map((d) => d.deployment), query))
  },
  UpdateDeployment(ctx: OpContext, { params, body }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const found = api.deployments[params['deploymentId'] as string]
    if (found === undefined) throw notFound(`Invalid Deployment identifier specified ${params['deploymentId'] as string}`, 'Deployment')
    assign(found.deployment, 'description', new Members(body).str('description'))
    return ok(found.deployment)
  },
  DeleteDeployment(ctx: OpContext, { params }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const id = params['deploymentId'] as string
    if (api.deployments[id] === undefined) throw notFound(`Invalid Deployment identifier specified ${id}`, 'Deployment')
    const user = Object.values(api.stages).find((s) => s['deploymentId'] === id)
    if (user !== undefined) throw badRequest(`Deployment ${id} is used by stage ${String(user['stageName'])}; move or delete the stage first`)
    delete api.deployments[id]
    return noContent
  },
}
