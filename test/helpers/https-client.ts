// One HTTPS request with node:https to a gateway's HTTPS listener on 127.0.0.1, on its own
// connection (no agent, so no TLS session is resumed), with SNI and Host chosen independently and
// optionally a client certificate: for custom domain names (picked by SNI and Host) and mutual TLS.
import type { IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { PeerCertificate, TLSSocket } from 'node:tls'
import type { Pem } from './test-ca.js'

export interface HttpsRequestOptions {
  /** The HTTPS listener's port on 127.0.0.1. */
  readonly port: number
  readonly path: string
  /** Default GET. */
  readonly method?: string
  /** SNI; `''` sends none (the client connects to 127.0.0.1 by address). */
  readonly servername: string
  /** The Host header. */
  readonly host: string
  /** The CA the server certificate is verified against. */
  readonly ca: string
  /** Verify the server certificate for `servername` (default true). */
  readonly verify?: boolean
  /** A client certificate to present: its chain and key. */
  readonly client?: Pem
}

export interface HttpsReply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
  /** The certificate the server presented. */
  readonly peer: PeerCertificate
}

export function httpsRequestOnce(o: HttpsRequestOptions): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: o.port,
        path: o.path,
        method: o.method ?? 'GET',
        servername: o.servername,
        ca: o.ca,
        rejectUnauthorized: o.verify ?? true,
        ...(o.client !== undefined ? { cert: o.client.chain, key: o.client.key } : {}),
        agent: false,
        headers: { host: o.host },
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate()
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), peer }))
      }
    )
    req.on('error', reject)
    req.end()
  })
}

/** The subject CN of a peer certificate, when it has one. */
export function cnOf(peer: PeerCertificate): string | undefined {
  const cn: unknown = peer.subject?.CN
  return typeof cn === 'string' ? cn : undefined
}
