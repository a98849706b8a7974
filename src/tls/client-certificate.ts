/**
 * @module
 * The client certificate of a mutual TLS connection as API Gateway forwards it (spec 7.3):
 * `requestContext.authentication.clientCert` in payload 2.0 events,
 * `requestContext.identity.clientCert` in 1.0 events, `$context.identity.clientCert.*`.
 */
import { X509Certificate } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import { distinguishedName } from './truststore.js'
import type { ClientCertificate } from '../model/index.js'


/** Certificates parsed per connection: a keep-alive connection serves many requests. */
const cache = new WeakMap<TLSSocket, ClientCertificate | null>()

/** The verified client certificate of a connection, or `null`. */
export function clientCertificateOf(socket: TLSSocket): ClientCertificate | null {
  let cert = cache.get(socket)
  if (cert === undefined) {
    cert = socket.authorized ? describe(socket.getPeerX509Certificate()) : null
    cache.set(socket, cert)
  }
  return cert
}

function describe(x509: X509Certificate | undefined): ClientCertificate | null {
  if (x509 === undefined) return null
  return {
    clientCertPem: x509.toString(),
    subjectDN: distinguishedName(x509.subject),
    issuerDN: distinguishedName(x509.issuer),
    serialNumber: serialHex(x509.serialNumber),
    // OpenSSL's text form (`Aug  5 00:28:21 2120 GMT`), which is also Node's.
    validity: { notBefore: x509.validFrom, notAfter: x509.validTo },
  }
}

function serialHex(serial: string): string {
  const hex = serial.toLowerCase().replace(/^0+(?=..)/, '')
  const even = hex.length % 2 === 0 ? hex : `0${hex}`
  return even.match(/../g)?.join(':') ?? even
}
