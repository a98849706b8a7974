/**
 * @module
 * The admin listener: health and Prometheus metrics, on its own port.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { createAdminServer, DEV_ISSUER_DISCOVERY_PATH, DEV_ISSUER_JWKS_PATH } from './server.js'
