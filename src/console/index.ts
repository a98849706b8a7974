/**
 * @module
 * The web console on the admin listener (`/console/`): APIs, live requests with their event,
 * authorizer decision and function logs, replay, WebSocket connections, functions, dev tokens
 * and metrics. `gateway.ts` wires it to the running gateway; the planes never import it.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { createConsoleHandler, json, CONSOLE_PATH, CONSOLE_TOKEN_COOKIE, CONSOLE_TOKEN_HEADER, type ConsoleDependencies, type ConsoleRoute, type ReloadStatus } from './server.js'
export { exportOpenApi } from './openapi-export.js'
export { describeConfig } from './describe.js'
export { FLUSH_INTERVAL_MS, MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_UNSENT_EVENT_BYTES } from './sse.js'
export { connectionsRoute } from './connections.js'
export { functionsRoute } from './functions.js'
export { tokensRoute } from './tokens.js'
