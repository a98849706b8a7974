/**
 * @module
 * Mutual TLS truststores (spec 7.3): one PEM bundle holding the whole chain of trust, from the
 * CAs that issue client certificates up to their roots. Certificates AWS would not accept
 * do not fail the configuration: like `truststoreWarnings`, they are reported as warnings
 * naming the problem and the certificate's subject, and mTLS stays on.
 */
import { X509Certificate } from 'node:crypto'

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

export interface Truststore {
  /** The certificates that parse, as PEM, for the TLS context's `ca`. */
  readonly certificates: readonly string[]
  /** `truststoreWarnings`: one line per certificate AWS would flag. */
  readonly warnings: readonly string[]
}

export type TruststoreResult = { ok: true; truststore: Truststore } | { ok: false; reason: string }

/** Minimum key sizes AWS accepts in a truststore (spec 7.3). */
const MIN_RSA_BITS = 2048
const MIN_EC_BITS = 256

export function parseTruststore(pem: string, now: Date = new Date()): TruststoreResult {
  const blocks = pem.match(PEM_BLOCK) ?? []
  if (blocks.length === 0) return { ok: false, reason: 'it holds no PEM certificate (-----BEGIN CERTIFICATE----- blocks)' }
  const certificates: string[] = []
  const warnings: string[] = []
  blocks.forEach((block, i) => {
    let cert: X509Certificate
    try {
      cert = new X509Certificate(block)
    } catch (err) {
      warnings.push(`Certificate ${i + 1} in the truststore cannot be parsed: ${(err as Error).message}`)
      return
    }
    certificates.push(block)
    const subject = distinguishedName(cert.subject)
    if (!cert.ca) warnings.push(`The certificate ${subject} is not a CA certificate (basicConstraints CA:TRUE is missing)`)
    if (new Date(cert.validTo) < now) warnings.push(`The certificate ${subject} expired on ${cert.validTo}`)
    else if (new Date(cert.validFrom) > now) warnings.push(`The certificate ${subject} is not valid before ${cert.validFrom}`)
    const key = cert.publicKey.asymmetricKeyDetails
    const type = cert.publicKey.asymmetricKeyType
    if ((type === 'rsa' || type === 'rsa-pss') && (key?.modulusLength ?? 0) < MIN_RSA_BITS) {
      warnings.push(`The certificate ${subject} has an RSA key shorter than ${MIN_RSA_BITS} bits`)
    } else if (type === 'ec' && curveBits(key?.namedCurve) < MIN_EC_BITS) {
      warnings.push(`The certificate ${subject} has an EC key shorter than ${MIN_EC_BITS} bits`)
    }
  })
  if (certificates.length === 0) return { ok: false, reason: warnings.join('; ') }
  return { ok: true, truststore: { certificates, warnings } }
}

function curveBits(curve: string | undefined): number {
  const m = /(\d{3})/.exec(curve ?? '')
  return m === null ? 0 : Number(m[1])
}

/**
 * Node prints distinguished names one attribute per line (`C=US\nO=Example\nCN=Client`);
 * AWS shows them comma-separated without spaces (spec 7.3).
 */
export function distinguishedName(nodeForm: string): string {
  return nodeForm.split('\n').filter((line) => line !== '').join(',')
}
