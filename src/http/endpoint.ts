/**
 * @module
 * Which API and stage a request addresses (spec 1.1, 2.2, 7): on the HTTPS listener a
 * custom domain name chosen by `Host` and its API mappings; otherwise the default endpoint
 * (`{apiId}.execute-api.*`, or the only API at the root) and the stage path segment. Fills
 * the request context's path fields and, for mutual TLS domains, the client certificate.
 */
import { GatewayResponses } from '../errors/index.js'
import { dropRawSegments, dropSegments, selectApiMapping } from '../routing/index.js'
import { pathSegments } from '../routing/index.js'
import { resolveApi, resolveStage } from '../routing/index.js'
import type { CompiledApi, CompiledDomainName, CompiledStage, GatewayResponse, RuntimeSnapshot } from '../model/index.js'
import { clientCertificateOf } from '../tls/index.js'
import type { RequestContext } from '../model/index.js'

/**
 * What a client of a mutual TLS domain without a valid certificate gets. The docs say both
 * "fail the TLS handshake" and "403"; which clients see is `[UNCONFIRMED]` (spec 7.3, 15.11).
 * We complete the handshake and answer over HTTP, as the spec proposes.
 */
export const MUTUAL_TLS_FAILURE_RESPONSE = GatewayResponses.FORBIDDEN

/** The default endpoint of an API with `disableExecuteApiEndpoint` `[UNCONFIRMED]` (spec 1.1). */
export const DISABLED_ENDPOINT_RESPONSE = GatewayResponses.FORBIDDEN

/** Custom domain, API and stage, or the catalogue answer when nothing serves the request. */
export function resolveEndpoint(ctx: RequestContext, snapshot: RuntimeSnapshot): { api: CompiledApi; stage: CompiledStage } | GatewayResponse {
  const domain = ctx.tlsSocket === null ? null : snapshot.domains.find(ctx.domainName)
  if (domain !== null) return viaCustomDomain(ctx, domain, snapshot)
  const api = resolveApi(snapshot, ctx.domainName)
  if (api === null) return GatewayResponses.NOT_FOUND
  if (api.disableExecuteApiEndpoint) return DISABLED_ENDPOINT_RESPONSE
  const match = resolveStage(api, ctx.path)
  if (match === null) return GatewayResponses.NOT_FOUND
  ctx.stagePath = match.stagePath
  ctx.rawStagePath = match.stage.stageName === '$default' ? ctx.rawPathname : dropRawSegments(ctx.rawPathname, 1)
  return { api, stage: match.stage }
}

function viaCustomDomain(ctx: RequestContext, domain: CompiledDomainName, snapshot: RuntimeSnapshot): { api: CompiledApi; stage: CompiledStage } | GatewayResponse {
  if (domain.mutualTls) {
    const socket = ctx.tlsSocket
    // The certificate was verified against the truststore of the domain the client named in
    // SNI; a Host naming another domain must not borrow that verification.
    const sni = socket?.servername
    // Sessions are never resumed (NO_SESSION_TICKETS); one that was would carry an old verdict.
    if (socket == null || !socket.authorized || socket.isSessionReused() || typeof sni !== 'string' || snapshot.domains.find(sni) !== domain) {
      return MUTUAL_TLS_FAILURE_RESPONSE
    }
    ctx.clientCert = clientCertificateOf(socket)
  }
  const match = selectApiMapping(domain, pathSegments(ctx.path))
  if (match === null) return GatewayResponses.NOT_FOUND
  const { mapping, consumed } = match
  ctx.basePathMatched = mapping.apiMappingKey
  ctx.stagePath = dropSegments(ctx.path, consumed)
  ctx.rawStagePath = dropRawSegments(ctx.rawPathname, consumed)
  // `rawPath` behind a custom domain: the mapping key removed, `/{stage}` added for a named
  // stage `[UNCONFIRMED]` (spec 2.2's proposal; reports conflict).
  if (mapping.stage.stageName !== '$default') ctx.path = `/${mapping.stage.stageName}${ctx.stagePath === '/' ? '' : ctx.stagePath}`
  else ctx.path = ctx.stagePath
  return { api: mapping.api, stage: mapping.stage }
}
