// Signing requests with the official AWS signer (`@smithy/signature-v4`), shared by the
// SigV4 unit tests and the AWS_IAM integration tests.
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'

export type SmithyRequest = Parameters<SignatureV4['presign']>[0]

/** A key pair, optionally with the STS session token it belongs to. */
export interface SigningCredential {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface Draft {
  readonly method?: string
  /** As the SDK serializers hand it to the signer: already percent-encoded. */
  readonly path?: string
  /** Decoded names and values, as the signer takes them. */
  readonly query?: Record<string, string | string[]>
  readonly headers?: Record<string, string>
  readonly body?: string
}

export interface SignAs {
  readonly credential?: SigningCredential
  readonly secretAccessKey?: string
  /** `null`: send no token even if the credential has one. */
  readonly sessionToken?: string | null
  readonly region?: string
  readonly service?: string
  readonly date?: number
  readonly unsignableHeaders?: Set<string>
}

/** Where a test signs by default: its credential, region and host. */
export interface SigningDefaults {
  readonly credential: SigningCredential
  readonly region: string
  readonly host: string
}

export function signerFor(as: SignAs, defaults: SigningDefaults): SignatureV4 {
  const credential = as.credential ?? defaults.credential
  const token = as.sessionToken === undefined ? credential.sessionToken : as.sessionToken
  return new SignatureV4({
    credentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: as.secretAccessKey ?? credential.secretAccessKey,
      ...(token == null ? {} : { sessionToken: token }),
    },
    region: as.region ?? defaults.region,
    service: as.service ?? 'execute-api',
    sha256: Sha256,
  })
}

export function toSmithy(draft: Draft, host: string): SmithyRequest {
  return {
    method: draft.method ?? 'GET',
    protocol: 'https:',
    hostname: host,
    path: draft.path ?? '/prod/items',
    query: draft.query ?? {},
    headers: { host, ...(draft.headers ?? {}) },
    ...(draft.body === undefined ? {} : { body: draft.body }),
  }
}
