// A private PKI made in the test with the `openssl` CLI: a root CA, an intermediate CA under it,
// and on demand server, client and self-signed leaf certificates (EC P-256, fast to make). For an
// HTTPS upstream signed by a private CA, and for mutual TLS tests (client certificates, expired
// ones, untrusted ones, chains). Everything lives in one temp dir, removed in `t.after` or by
// `cleanup()`.
//
// Certificates are issued with `openssl ca` rather than `openssl x509 -req`: OpenSSL 3.0 (what
// this machine has) gives `x509` no way to set notBefore/notAfter, and expired or not-yet-valid
// certificates need both. Every issuance gets its own empty CA database and a random serial, so
// issuances can run in parallel without racing over index.txt or a serial file.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/** A certificate and its private key (PKCS#8), as PEM text and as files in the PKI's dir. */
export interface Pem {
  readonly cert: string
  readonly key: string
  readonly certFile: string
  readonly keyFile: string
  /**
   * This certificate followed by the intermediate CA when it issued it (never the root): what a
   * TLS peer should send. For the root, a self-signed or a root-issued leaf, just `cert`.
   */
  readonly chain: string
  readonly chainFile: string
}

/** Validity of a leaf. Default: from now for `notAfterDays` (30) days. */
export interface ValidityOptions {
  /** Which CA signs it (default `intermediate`). */
  readonly issuer?: 'root' | 'intermediate'
  readonly notAfterDays?: number
  /** Valid from two days ago until one day ago. */
  readonly expired?: boolean
  /** Explicit dates; win over `expired` and `notAfterDays`. */
  readonly notBefore?: Date
  readonly notAfter?: Date
}

export interface ServerCertOptions extends ValidityOptions {
  /** Default `localhost`. */
  readonly commonName?: string
  /**
   * subjectAltName entries. With neither list given: `DNS:localhost,IP:127.0.0.1`. With either
   * given, only what is given (so `{ dnsNames: ['wrong.example'] }` does not match 127.0.0.1).
   */
  readonly dnsNames?: readonly string[]
  readonly ipAddresses?: readonly string[]
}

export interface ClientCertOptions extends ValidityOptions {
  readonly commonName: string
}

export interface TestPki {
  readonly dir: string
  readonly root: Pem
  /** Signed by `root`; signs server certificates and (by default) client certificates. */
  readonly intermediate: Pem
  /** extendedKeyUsage=serverAuth; its `chain` is leaf + intermediate. */
  server(opts?: ServerCertOptions): Promise<Pem>
  /** extendedKeyUsage=clientAuth. */
  client(opts: ClientCertOptions): Promise<Pem>
  /** A self-signed leaf (serverAuth and clientAuth, SAN localhost/127.0.0.1) that no CA here vouches for. */
  selfSigned(commonName: string): Promise<Pem>
  /** Writes the certificates (their `cert`, not key) one after another to a new file; returns its path. */
  bundle(...pems: Pem[]): Promise<string>
  /** Removes the dir; idempotent, and also done in `t.after` when a TestContext was given. */
  cleanup(): Promise<void>
}

const ROOT_EXTENSIONS = ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash']
// pathlen:0: the intermediate signs leaves only, as a real issuing CA would.
const INTERMEDIATE_EXTENSIONS = ['basicConstraints = critical,CA:TRUE,pathlen:0', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always']
const LEAF_EXTENSIONS = ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', 'subjectKeyIdentifier = hash']
const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
const DAY_MS = 86_400_000

/**
 * Makes a root and an intermediate CA. Without `t` (e.g. one PKI shared by a file's tests, made in
 * a `before` hook) the caller removes it with `cleanup()`.
 */
export async function createTestPki(t?: TestContext): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-pki-'))
  let cleaning: Promise<void> | undefined
  const cleanup = (): Promise<void> => (cleaning ??= rm(dir, { recursive: true, force: true }))
  t?.after(cleanup)
  try {
    await mkdir(join(dir, 'issued'))
    return await buildPki(dir, cleanup)
  } catch (err) {
    await cleanup()
    throw err
  }
}

async function buildPki(dir: string, cleanup: () => Promise<void>): Promise<TestPki> {
  // Every file gets a unique stem, taken synchronously, so parallel issuances never collide.
  let counter = 0
  const stem = (label: string): string => join(dir, `${String(++counter).padStart(3, '0')}-${label}`)

  const selfSign = async (label: string, commonName: string, extensions: readonly string[], days: number): Promise<Pem> => {
    const base = stem(label)
    const config = await writeConfig(base, extensions)
    await openssl(['req', '-x509', '-new', ...NEW_EC_KEY, '-keyout', `${base}.key`, '-out', `${base}.crt`, '-subj', subject(commonName), '-days', String(days), '-sha256', '-config', config, '-extensions', 'ext', '-batch'])
    return readPem(base, [])
  }

  const issue = async (label: string, commonName: string, extensions: readonly string[], issuer: Pem, validity: ValidityOptions, days = 30): Promise<Pem> => {
    const base = stem(label)
    const config = await writeConfig(base, extensions, { database: `${base}.db`, newCertsDir: join(dir, 'issued') })
    await writeFile(`${base}.db`, '')
    await openssl(['req', '-new', ...NEW_EC_KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subject(commonName), '-config', config, '-batch'])
    await openssl(['ca', '-config', config, '-batch', '-notext', '-preserveDN', '-cert', issuer.certFile, '-keyfile', issuer.keyFile, '-in', `${base}.csr`, '-out', `${base}.crt`, '-extensions', 'ext', ...validityArgs(validity, days)])
    // The chain a peer sends stops below the root: the root is what the other side trusts.
    return readPem(base, issuer === root ? [] : [issuer.cert])
  }

  const root = await selfSign('root', 'Gatehouse Test Root CA', ROOT_EXTENSIONS, 3650)
  const intermediate = await issue('intermediate', 'Gatehouse Test Intermediate CA', INTERMEDIATE_EXTENSIONS, root, {}, 3650)
  const issuerOf = (opts: ValidityOptions): Pem => (opts.issuer === 'root' ? root : intermediate)

  return {
    dir,
    root,
    intermediate,
    server(opts = {}) {
      const names = opts.dnsNames === undefined && opts.ipAddresses === undefined ? { dns: ['localhost'], ip: ['127.0.0.1'] } : { dns: opts.dnsNames ?? [], ip: opts.ipAddresses ?? [] }
      const extensions = [...LEAF_EXTENSIONS, 'extendedKeyUsage = serverAuth', 'authorityKeyIdentifier = keyid:always', ...subjectAltName(names.dns, names.ip)]
      return issue('server', opts.commonName ?? 'localhost', extensions, issuerOf(opts), opts)
    },
    client(opts) {
      const extensions = [...LEAF_EXTENSIONS, 'extendedKeyUsage = clientAuth', 'authorityKeyIdentifier = keyid:always']
      return issue('client', opts.commonName, extensions, issuerOf(opts), opts)
    },
    selfSigned(commonName) {
      return selfSign('self-signed', commonName, [...LEAF_EXTENSIONS, 'extendedKeyUsage = serverAuth,clientAuth', ...subjectAltName(['localhost'], ['127.0.0.1'])], 30)
    },
    async bundle(...pems) {
      const file = `${stem('bundle')}.pem`
      await writeFile(file, pems.map((p) => ensureNewline(p.cert)).join(''))
      return file
    },
    cleanup,
  }
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args)
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr
    throw new Error(`openssl ${args[0] ?? ''} failed: ${typeof stderr === 'string' && stderr !== '' ? stderr.trim() : String(err)}`)
  }
}

/**
 * One config per certificate: a `req` section (OpenSSL insists on a distinguished_name section
 * even when `-subj` gives the name), the `ext` extensions, and for `openssl ca` a CA section
 * that copies no extension from the CSR and accepts any subject with a commonName.
 */
async function writeConfig(base: string, extensions: readonly string[], ca?: { database: string; newCertsDir: string }): Promise<string> {
  const lines = ['[ req ]', 'distinguished_name = req_dn', '[ req_dn ]', '[ ext ]', ...extensions]
  if (ca !== undefined) {
    lines.push(
      '[ ca ]',
      'default_ca = issuer',
      '[ issuer ]',
      `database = ${ca.database}`,
      `new_certs_dir = ${ca.newCertsDir}`,
      'rand_serial = yes',
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      'copy_extensions = none',
      'email_in_dn = no',
      '[ policy_any ]',
      'commonName = supplied'
    )
  }
  const file = `${base}.cnf`
  await writeFile(file, lines.join('\n') + '\n')
  return file
}

function validityArgs(opts: ValidityOptions, defaultDays: number): string[] {
  const now = Date.now()
  if (opts.notBefore !== undefined || opts.notAfter !== undefined) {
    const notBefore = opts.notBefore ?? new Date(now)
    const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + (opts.notAfterDays ?? defaultDays) * DAY_MS)
    return ['-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter)]
  }
  if (opts.expired === true) return ['-startdate', asn1Time(new Date(now - 2 * DAY_MS)), '-enddate', asn1Time(new Date(now - DAY_MS))]
  return ['-days', String(opts.notAfterDays ?? defaultDays)]
}

/** YYYYMMDDHHMMSSZ, which `openssl ca -startdate/-enddate` accept. */
function asn1Time(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z')
}

/** `-subj` text for one CN; `/`, `+`, `=` and `\` would otherwise be read as DN syntax. */
function subject(commonName: string): string {
  return `/CN=${commonName.replace(/[\\/+=]/g, (c) => `\\${c}`)}`
}

function subjectAltName(dnsNames: readonly string[], ipAddresses: readonly string[]): string[] {
  const entries = [...dnsNames.map((n) => `DNS:${n}`), ...ipAddresses.map((ip) => `IP:${ip}`)]
  return entries.length === 0 ? [] : [`subjectAltName = ${entries.join(',')}`]
}

async function readPem(base: string, intermediates: readonly string[]): Promise<Pem> {
  const [cert, key] = await Promise.all([readFile(`${base}.crt`, 'utf8'), readFile(`${base}.key`, 'utf8')])
  const chain = [cert, ...intermediates].map(ensureNewline).join('')
  const chainFile = `${base}-chain.pem`
  await writeFile(chainFile, chain)
  return { cert, key, certFile: `${base}.crt`, keyFile: `${base}.key`, chain, chainFile }
}

function ensureNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`
}
