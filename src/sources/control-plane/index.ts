/**
 * @module
 * The `apigatewayv2` and Lambda control plane as a source of APIs: its state (kept in a state
 * folder), the REST-JSON operations, and the config document it contributes to the gateway's
 * configuration. This file is the folder's only public surface.
 */
export { ControlPlane, fileViewOf, type ApplyResult, type ControlPlaneHost } from './plane.js'
export { FolderStateStore, STATE_FILE, type SaveOutcome, type StateStore } from './store.js'
export { RedisStateStore } from './redis-store.js'
export { mergeConfigs } from './merge.js'
export type { PlaneState } from './state.js'
export type { PlaneDocument } from './document.js'
export { handleControlPlaneRequest, isControlPlaneHost, isControlPlaneRequest, CONTROL_PLANE_HOST } from './http.js'
export { operationTable } from './operations.js'
