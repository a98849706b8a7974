/**
 * @module
 * The surface of `http/`: what the rest of Gatehouse may use from it.
 */
export { SHUTDOWN_GRACE_MS } from './limits.js'
export { createDataPlane, listeningUrl, type DataPlane } from './server.js'
export { MIN_TLS_VERSION, NO_SESSION_TICKETS, applySnapshotToHttpsListener } from './https-listener.js'
export { CorsPolicy } from './cors.js'
