/**
 * @module
 * The HTTP plane: the listeners, the request pipeline, custom-domain TLS and CORS.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { SHUTDOWN_GRACE_MS } from './limits.js'
export { createDataPlane, listeningUrl, type DataPlane } from './server.js'
export { MIN_TLS_VERSION, NO_SESSION_TICKETS, applySnapshotToHttpsListener } from './https-listener.js'
export { CorsPolicy } from './cors.js'
