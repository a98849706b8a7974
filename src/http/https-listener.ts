/**
 * @module
 * The HTTPS listener of custom domain names (spec 7): one server, one certificate per domain
 * chosen by SNI from the current snapshot, so a reload (a new certificate or truststore)
 * applies to the next handshake without dropping established connections. Client
 * certificates are requested when any domain has mutual TLS and verified against that
 * domain's truststore; the handshake never fails on them: the pipeline answers 403.
 */
import { constants } from 'node:crypto'
import { createServer, type Server, type ServerOptions } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SecureContext } from 'node:tls'
import type { Logger } from '../logging/index.js'
import type { RuntimeSnapshot, SnapshotSource } from '../model/index.js'

/** HTTP APIs' only security policy (spec 7.1). */
export const MIN_TLS_VERSION = 'TLSv1.2'

/**
 * No TLS session resumption: a resumed session carries the client-certificate verdict of the
 * handshake it came from, which may have been made against another domain's truststore (or
 * a replaced one). Every connection makes a full handshake, verified for the domain it names.
 */
export const NO_SESSION_TICKETS = constants.SSL_OP_NO_TICKET

export function createHttpsListener(
  holder: SnapshotSource,
  serverOptions: ServerOptions,
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  logger: Logger
): Server {
  const server = createServer(
    {
      ...serverOptions,
      ...defaultCertificate(holder.current),
      minVersion: MIN_TLS_VERSION,
      secureOptions: NO_SESSION_TICKETS,
      // Verified per domain: a bad or missing certificate is answered over HTTP (403).
      rejectUnauthorized: false,
      requestCert: wantsClientCertificates(holder.current),
      SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => {
        const domain = holder.current.domains.find(servername)
        // Unknown names get the default certificate; the Host check then finds no domain.
        cb(null, domain?.secureContext)
      },
    },
    onRequest
  )
  server.on('tlsClientError', (err: Error) => logger.debug('TLS handshake failed', { error: err.message }))
  return server
}

/** After a reload: the default certificate and whether to ask for client certificates. */
export function applySnapshotToHttpsListener(server: Server, snapshot: RuntimeSnapshot): void {
  const cert = defaultCertificate(snapshot)
  if (cert.cert !== undefined) server.setSecureContext({ ...cert, minVersion: MIN_TLS_VERSION, secureOptions: NO_SESSION_TICKETS })
  // Read by Node for each new connection.
  ;(server as Server & { requestCert: boolean }).requestCert = wantsClientCertificates(snapshot)
}

/**
 * Clients that send no SNI (connecting by IP address) get the first domain's certificate,
 * without a truststore: no client certificate verifies against it, so mTLS fails closed.
 */
function defaultCertificate(snapshot: RuntimeSnapshot): { cert?: string; key?: string } {
  const first = snapshot.config.domainNames[0]
  return first === undefined ? {} : { cert: first.certificatePem, key: first.privateKeyPem }
}

function wantsClientCertificates(snapshot: RuntimeSnapshot): boolean {
  return snapshot.config.domainNames.some((d) => d.truststore !== null)
}
