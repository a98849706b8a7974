/**
 * @module
 * Truststores and client certificates of mutual TLS custom domains.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { parseTruststore } from './truststore.js'
export { clientCertificateOf } from './client-certificate.js'
