/**
 * @module
 * The surface of `tls/`: what the rest of Gatehouse may use from it.
 */
export { parseTruststore } from './truststore.js'
export { clientCertificateOf } from './client-certificate.js'
