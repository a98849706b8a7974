/**
 * @module
 * The WebSocket plane: connections, route selection, Lambda/HTTP/MOCK route integrations, `@connections` and the cross-node directory.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { WebSocketGateway } from './gateway.js'
export { type Connection } from './connection.js'
export { manageConnection } from './manage.js'
export { webSocketPlane } from './connections-api.js'
export { ConnectionDirectory, type NodeDirectory, type ForwardOutcome } from './cluster.js'
export type { ManageMethod, ManageOutcome } from './manage.js'
export { type WebSocketLimits } from './limits.js'
export { compileRouteSelection } from './route-selection.js'
export { compileWebSocketParameters, httpRouteIntegration } from './http-integration.js'
export { lambdaRouteIntegration } from './lambda.js'
export { compileTemplate, type Template } from './mapping-template.js'
export { websocketContextVariable, type WebSocketLogRecord } from './context-variables.js'
export { mockRouteIntegration, type CompiledTemplates } from './mock-integration.js'
export { awsRouteIntegration } from './aws-integration.js'
export { lambdaTemplateRouteIntegration } from './aws-lambda-integration.js'
export { compileResponseTemplateSelection } from './response-template-selection.js'
