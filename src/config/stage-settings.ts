/**
 * @module
 * Checks a stage's settings that are not deployed with the API (spec 1.4): throttling
 * (`defaultRouteSettings`, `routeSettings`, spec 6.1) and access logging
 * (`accessLogSettings`, spec 9.1).
 */
import { isAbsolute, resolve } from 'node:path'
import { parseAccessLogFormat, type VariableLookup } from '../logging/index.js'
import type { LoadedDocument } from './load-file.js'
import type { AccessLogDefinition, Origin, ThrottleLimits } from '../model/index.js'
import { fieldOrigin, type Reporter } from './reporter.js'
import type { RouteSettingsInput, StageInput } from './schema.js'

export const ACCESS_LOG_DESTINATIONS = ['stdout', 'stderr', 'none'] as const

export interface StageSettingsContext {
  readonly doc: LoadedDocument
  readonly baseDir: string
  /** The account-level throttle: stage and route limits may not exceed it (spec 6.1). */
  readonly accountThrottle: ThrottleLimits | null
  /** Route keys of the API, which `routeSettings` keys must name. */
  readonly routeKeys: ReadonlySet<string>
  /** The `$context` variables access logs may use: HTTP APIs' by default, or WebSocket APIs'. */
  readonly variables?: VariableLookup<never>
  /** WebSocket stages also take `dataTraceEnabled` and `loggingLevel`; HTTP stages refuse them. */
  readonly protocolType: 'HTTP' | 'WEBSOCKET'
}

/**
 * `loggingLevel` values a WebSocket stage accepts (the apigatewayv2 `LoggingLevel` enum). They
 * choose CloudWatch execution logging, which Gatehouse does not write: the setting is checked
 * and kept, as AWS keeps it, and changes nothing that is served.
 */
export const WEBSOCKET_LOGGING_LEVELS = ['ERROR', 'INFO', 'OFF'] as const

export interface StageSettings {
  readonly defaultThrottle: ThrottleLimits | null
  readonly routeThrottles: ReadonlyMap<string, ThrottleLimits>
  readonly accessLog: AccessLogDefinition | null
}

export function checkStageSettings(input: StageInput, origin: Origin, ctx: StageSettingsContext, reporter: Reporter): StageSettings {
  const defaults = input.defaultRouteSettings
  if (defaults !== undefined) checkRouteSettings(defaults, fieldOrigin(ctx.doc, origin, 'defaultRouteSettings'), ctx, reporter)
  const defaultThrottle = defaults === undefined ? null : throttleOf(defaults, ctx.accountThrottle)
  const routeThrottles = new Map<string, ThrottleLimits>()
  const settingsOrigin = fieldOrigin(ctx.doc, origin, 'routeSettings')
  for (const [routeKey, settings] of Object.entries(input.routeSettings ?? {})) {
    const at = fieldOrigin(ctx.doc, settingsOrigin, routeKey)
    if (!ctx.routeKeys.has(routeKey)) {
      reporter.at(at, `routeSettings names route "${routeKey}", which this API does not have`)
      continue
    }
    // Each entry is checked as written; then it overrides the stage default member by member.
    checkRouteSettings(settings, at, ctx, reporter)
    const limits = throttleOf({ ...defaults, ...settings }, ctx.accountThrottle)
    if (limits !== null) routeThrottles.set(routeKey, limits)
  }
  return { defaultThrottle, routeThrottles, accessLog: accessLogOf(input, origin, ctx, reporter) }
}

/** Problems in one settings object as written: WebSocket-only members, limits above the account's. */
function checkRouteSettings(settings: RouteSettingsInput, origin: Origin, ctx: StageSettingsContext, reporter: Reporter): void {
  if (ctx.protocolType === 'HTTP') {
    for (const field of ['dataTraceEnabled', 'loggingLevel'] as const) {
      if (settings[field] !== undefined) reporter.at(fieldOrigin(ctx.doc, origin, field), `${field} applies to WebSocket APIs only; this is an HTTP API`)
    }
  } else if (settings.loggingLevel !== undefined && !(WEBSOCKET_LOGGING_LEVELS as readonly string[]).includes(settings.loggingLevel)) {
    reporter.at(fieldOrigin(ctx.doc, origin, 'loggingLevel'), `loggingLevel must be one of ${WEBSOCKET_LOGGING_LEVELS.join(', ')}, not "${settings.loggingLevel}"`)
  }
  const account = ctx.accountThrottle
  const { throttlingRateLimit: rate, throttlingBurstLimit: burst } = settings
  if (account !== null && rate !== undefined && rate > account.rateLimit) {
    reporter.at(fieldOrigin(ctx.doc, origin, 'throttlingRateLimit'), `throttlingRateLimit ${rate} is above the account-level rate limit ${account.rateLimit}`)
  }
  if (account !== null && burst !== undefined && burst > account.burstLimit) {
    reporter.at(fieldOrigin(ctx.doc, origin, 'throttlingBurstLimit'), `throttlingBurstLimit ${burst} is above the account-level burst limit ${account.burstLimit}`)
  }
}

/** The limits settings give, or `null` when they set none. A member left unset is the account's. */
function throttleOf(settings: RouteSettingsInput, account: ThrottleLimits | null): ThrottleLimits | null {
  const { throttlingRateLimit: rate, throttlingBurstLimit: burst } = settings
  if (rate === undefined && burst === undefined) return null
  return { rateLimit: rate ?? account?.rateLimit ?? Infinity, burstLimit: burst ?? account?.burstLimit ?? Number.MAX_SAFE_INTEGER }
}

function accessLogOf(input: StageInput, origin: Origin, ctx: StageSettingsContext, reporter: Reporter): AccessLogDefinition | null {
  const settings = input.accessLogSettings
  if (settings === undefined) return null
  const at = fieldOrigin(ctx.doc, origin, 'accessLogSettings')
  const parsed = ctx.variables === undefined ? parseAccessLogFormat(settings.format) : parseAccessLogFormat<never>(settings.format, ctx.variables)
  if (!parsed.ok) for (const reason of parsed.reasons) reporter.at(fieldOrigin(ctx.doc, at, 'format'), reason)
  const destination = settings.destination ?? 'stdout'
  const isNamed = (ACCESS_LOG_DESTINATIONS as readonly string[]).includes(destination)
  return {
    format: settings.format,
    destination: isNamed ? destination : isAbsolute(destination) ? destination : resolve(ctx.baseDir, destination),
  }
}
