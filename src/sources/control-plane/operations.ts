/**
 * @module
 * The `apigatewayv2` operations by method and path (spec 12.2). Each path parameter is one URL
 * segment, percent-decoded (`{resourceArn}` and `{routeKey}` arrive with `%2F`, `%3A`, `%24`).
 */
import { apiOperations } from './apis.js'
import { authorizerOperations } from './authorizers.js'
import type { OpContext, OpInput, OpResult } from './context.js'
import { domainOperations } from './domains.js'
import { integrationOperations } from './integrations.js'
import { openApiOperations } from './openapi.js'
import { routeOperations } from './routes.js'
import { stageOperations } from './stages.js'

export type Operation = (ctx: OpContext, input: OpInput) => OpResult

const implemented: Readonly<Record<string, Operation>> = {
  ...apiOperations,
  ...routeOperations,
  ...integrationOperations,
  ...authorizerOperations,
  ...stageOperations,
  ...domainOperations,
  ...openApiOperations,
}

/** Operations of spec 12.2 Gatehouse does not offer, and why (answered with that reason). */
export const NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  GetModelTemplate: 'GetModelTemplate (VTL generated from a model) is not implemented by Gatehouse',
  GetVpcLinks: 'VPC links are not served by Gatehouse: private integrations need a VPC',
  CreateVpcLink: 'VPC links are not served by Gatehouse: private integrations need a VPC',
  GetVpcLink: 'VPC links are not served by Gatehouse: private integrations need a VPC',
  UpdateVpcLink: 'VPC links are not served by Gatehouse: private integrations need a VPC',
  DeleteVpcLink: 'VPC links are not served by Gatehouse: private integrations need a VPC',
}

const TABLE: ReadonlyArray<readonly [string, string, string]> = [
  ['GET', '/v2/apis', 'GetApis'],
  ['POST', '/v2/apis', 'CreateApi'],
  ['PUT', '/v2/apis', 'ImportApi'],
  ['DELETE', '/v2/apis/{apiId}', 'DeleteApi'],
  ['GET', '/v2/apis/{apiId}', 'GetApi'],
  ['PATCH', '/v2/apis/{apiId}', 'UpdateApi'],
  ['PUT', '/v2/apis/{apiId}', 'ReimportApi'],
  ['GET', '/v2/apis/{apiId}/authorizers', 'GetAuthorizers'],
  ['POST', '/v2/apis/{apiId}/authorizers', 'CreateAuthorizer'],
  ['DELETE', '/v2/apis/{apiId}/authorizers/{authorizerId}', 'DeleteAuthorizer'],
  ['GET', '/v2/apis/{apiId}/authorizers/{authorizerId}', 'GetAuthorizer'],
  ['PATCH', '/v2/apis/{apiId}/authorizers/{authorizerId}', 'UpdateAuthorizer'],
  ['DELETE', '/v2/apis/{apiId}/cors', 'DeleteCorsConfiguration'],
  ['GET', '/v2/apis/{apiId}/deployments', 'GetDeployments'],
  ['POST', '/v2/apis/{apiId}/deployments', 'CreateDeployment'],
  ['DELETE', '/v2/apis/{apiId}/deployments/{deploymentId}', 'DeleteDeployment'],
  ['GET', '/v2/apis/{apiId}/deployments/{deploymentId}', 'GetDeployment'],
  ['PATCH', '/v2/apis/{apiId}/deployments/{deploymentId}', 'UpdateDeployment'],
  ['GET', '/v2/apis/{apiId}/exports/{specification}', 'ExportApi'],
  ['GET', '/v2/apis/{apiId}/integrations', 'GetIntegrations'],
  ['POST', '/v2/apis/{apiId}/integrations', 'CreateIntegration'],
  ['DELETE', '/v2/apis/{apiId}/integrations/{integrationId}', 'DeleteIntegration'],
  ['GET', '/v2/apis/{apiId}/integrations/{integrationId}', 'GetIntegration'],
  ['PATCH', '/v2/apis/{apiId}/integrations/{integrationId}', 'UpdateIntegration'],
  ['GET', '/v2/apis/{apiId}/integrations/{integrationId}/integrationresponses', 'GetIntegrationResponses'],
  ['POST', '/v2/apis/{apiId}/integrations/{integrationId}/integrationresponses', 'CreateIntegrationResponse'],
  ['DELETE', '/v2/apis/{apiId}/integrations/{integrationId}/integrationresponses/{integrationResponseId}', 'DeleteIntegrationResponse'],
  ['GET', '/v2/apis/{apiId}/integrations/{integrationId}/integrationresponses/{integrationResponseId}', 'GetIntegrationResponse'],
  ['PATCH', '/v2/apis/{apiId}/integrations/{integrationId}/integrationresponses/{integrationResponseId}', 'UpdateIntegrationResponse'],
  ['GET', '/v2/apis/{apiId}/models', 'GetModels'],
  ['POST', '/v2/apis/{apiId}/models', 'CreateModel'],
  ['DELETE', '/v2/apis/{apiId}/models/{modelId}', 'DeleteModel'],
  ['GET', '/v2/apis/{apiId}/models/{modelId}', 'GetModel'],
  ['PATCH', '/v2/apis/{apiId}/models/{modelId}', 'UpdateModel'],
  ['GET', '/v2/apis/{apiId}/models/{modelId}/template', 'GetModelTemplate'],
  ['GET', '/v2/apis/{apiId}/routes', 'GetRoutes'],
  ['POST', '/v2/apis/{apiId}/routes', 'CreateRoute'],
  ['DELETE', '/v2/apis/{apiId}/routes/{routeId}', 'DeleteRoute'],
  ['GET', '/v2/apis/{apiId}/routes/{routeId}', 'GetRoute'],
  ['PATCH', '/v2/apis/{apiId}/routes/{routeId}', 'UpdateRoute'],
  ['DELETE', '/v2/apis/{apiId}/routes/{routeId}/requestparameters/{requestParameterKey}', 'DeleteRouteRequestParameter'],
  ['GET', '/v2/apis/{apiId}/routes/{routeId}/routeresponses', 'GetRouteResponses'],
  ['POST', '/v2/apis/{apiId}/routes/{routeId}/routeresponses', 'CreateRouteResponse'],
  ['DELETE', '/v2/apis/{apiId}/routes/{routeId}/routeresponses/{routeResponseId}', 'DeleteRouteResponse'],
  ['GET', '/v2/apis/{apiId}/routes/{routeId}/routeresponses/{routeResponseId}', 'GetRouteResponse'],
  ['PATCH', '/v2/apis/{apiId}/routes/{routeId}/routeresponses/{routeResponseId}', 'UpdateRouteResponse'],
  ['GET', '/v2/apis/{apiId}/stages', 'GetStages'],
  ['POST', '/v2/apis/{apiId}/stages', 'CreateStage'],
  ['DELETE', '/v2/apis/{apiId}/stages/{stageName}', 'DeleteStage'],
  ['GET', '/v2/apis/{apiId}/stages/{stageName}', 'GetStage'],
  ['PATCH', '/v2/apis/{apiId}/stages/{stageName}', 'UpdateStage'],
  ['DELETE', '/v2/apis/{apiId}/stages/{stageName}/accesslogsettings', 'DeleteAccessLogSettings'],
  ['DELETE', '/v2/apis/{apiId}/stages/{stageName}/cache/authorizers', 'ResetAuthorizersCache'],
  ['DELETE', '/v2/apis/{apiId}/stages/{stageName}/routesettings/{routeKey}', 'DeleteRouteSettings'],
  ['GET', '/v2/domainnames', 'GetDomainNames'],
  ['POST', '/v2/domainnames', 'CreateDomainName'],
  ['DELETE', '/v2/domainnames/{domainName}', 'DeleteDomainName'],
  ['GET', '/v2/domainnames/{domainName}', 'GetDomainName'],
  ['PATCH', '/v2/domainnames/{domainName}', 'UpdateDomainName'],
  ['GET', '/v2/domainnames/{domainName}/apimappings', 'GetApiMappings'],
  ['POST', '/v2/domainnames/{domainName}/apimappings', 'CreateApiMapping'],
  ['DELETE', '/v2/domainnames/{domainName}/apimappings/{apiMappingId}', 'DeleteApiMapping'],
  ['GET', '/v2/domainnames/{domainName}/apimappings/{apiMappingId}', 'GetApiMapping'],
  ['PATCH', '/v2/domainnames/{domainName}/apimappings/{apiMappingId}', 'UpdateApiMapping'],
  ['DELETE', '/v2/tags/{resourceArn}', 'UntagResource'],
  ['GET', '/v2/tags/{resourceArn}', 'GetTags'],
  ['POST', '/v2/tags/{resourceArn}', 'TagResource'],
  ['GET', '/v2/vpclinks', 'GetVpcLinks'],
  ['POST', '/v2/vpclinks', 'CreateVpcLink'],
  ['DELETE', '/v2/vpclinks/{vpcLinkId}', 'DeleteVpcLink'],
  ['GET', '/v2/vpclinks/{vpcLinkId}', 'GetVpcLink'],
  ['PATCH', '/v2/vpclinks/{vpcLinkId}', 'UpdateVpcLink'],
]

export interface Matched {
  readonly name: string
  readonly params: Record<string, string>
  /** `undefined` for an operation in `NOT_IMPLEMENTED`. */
  readonly operation: Operation | undefined
}

export type Match = Matched | { readonly name: undefined; readonly methodsAllowed: readonly string[] }

/** Every operation name with whether Gatehouse implements it (docs and tests). */
export function operationTable(): ReadonlyArray<{ readonly name: string; readonly method: string; readonly path: string; readonly implemented: boolean }> {
  return TABLE.map(([method, path, name]) => ({ name, method, path, implemented: implemented[name] !== undefined }))
}

/** Matches `segments` (already split and decoded) against the table. */
export function matchOperation(method: string, segments: readonly string[]): Match {
  const allowed: string[] = []
  for (const [m, path, name] of TABLE) {
    const pattern = path.split('/').slice(1)
    if (pattern.length !== segments.length) continue
    const params: Record<string, string> = {}
    let fits = true
    for (let i = 0; i < pattern.length && fits; i++) {
      const p = pattern[i] as string
      const s = segments[i] as string
      if (p.startsWith('{')) {
        if (s === '') fits = false
        else params[p.slice(1, -1)] = s
      } else if (p !== s) fits = false
    }
    if (!fits) continue
    if (m !== method) {
      allowed.push(m)
      continue
    }
    return { name, params, operation: implemented[name] }
  }
  return { name: undefined, methodsAllowed: allowed }
}
