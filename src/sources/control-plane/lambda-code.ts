/**
 * @module
 * A function's code: a zip (`Code.ZipFile`) unpacked with fflate into the state folder, in a
 * folder named by its SHA-256 so a new version never overwrites the one still running; or a
 * local folder (`S3Bucket: "hot-reload"`, `S3Key: /abs/dir`, LocalStack's convention) served
 * in place.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join, normalize, sep } from 'node:path'
import { createRequire } from 'node:module'
import { ControlPlaneError } from './errors.js'
import type { Wire } from './state.js'

/** fflate, loaded with the first zip: the control plane must not add it to every start (issue 16, target 5). */
const require = createRequire(import.meta.url)
const unzipSync = (): typeof import('fflate').unzipSync => (require('fflate') as typeof import('fflate')).unzipSync

/** LocalStack's bucket name for "mount this local folder": the same convention works here. */
export const HOT_RELOAD_BUCKET = 'hot-reload'
/** Lambda's limit of a zip sent in the request (50 MB). */
export const MAX_ZIP_BYTES = 50 * 1024 * 1024
/** Lambda's limit of unpacked code (250 MB). */
export const MAX_UNZIPPED_BYTES = 250 * 1024 * 1024

export interface UnpackedCode {
  /** Relative to the state folder for an unpacked zip (the same on every node); absolute for a local folder. */
  readonly codeDir: string
  readonly codeSha256: string
  readonly codeSize: number
}

const invalid = (message: string) => new ControlPlaneError('InvalidParameterValueException', message)

/** Reads `Code` (CreateFunction) or the members of UpdateFunctionCode. */
/** The zip a code folder was unpacked from is kept beside it (`{codeDir}.zip`), for other nodes to fetch. */
export function zipPathOf(stateDir: string, codeDir: string): string {
  return join(stateDir, `${codeDir}.zip`)
}

export function unpackCode(code: Wire, stateDir: string, functionName: string): UnpackedCode {
  const zip = code['ZipFile']
  if (typeof zip === 'string') {
    const bytes = Buffer.from(zip, 'base64')
    if (bytes.length > MAX_ZIP_BYTES) throw new ControlPlaneError('RequestTooLargeException', `Zipped code is larger than ${MAX_ZIP_BYTES} bytes`)
    const sha = createHash('sha256').update(bytes).digest()
    const codeDir = join('functions', functionName, sha.toString('hex'))
    ensureUnpacked(bytes, stateDir, codeDir)
    return { codeDir, codeSha256: sha.toString('base64'), codeSize: bytes.length }
  }
  const bucket = code['S3Bucket']
  const key = code['S3Key']
  if (bucket === HOT_RELOAD_BUCKET && typeof key === 'string') {
    if (!isAbsolute(key) || !existsSync(key) || !statSync(key).isDirectory()) throw invalid(`S3Key of the ${HOT_RELOAD_BUCKET} bucket must be an absolute path of an existing folder: ${key}`)
    return { codeDir: key, codeSha256: createHash('sha256').update(key).digest('base64'), codeSize: 0 }
  }
  if (typeof bucket === 'string') throw invalid(`Gatehouse has no S3: give Code.ZipFile, or S3Bucket "${HOT_RELOAD_BUCKET}" with S3Key the absolute path of a local folder`)
  if (code['ImageUri'] !== undefined) throw invalid('Container images (ImageUri) are not served by Gatehouse: give Code.ZipFile')
  throw invalid('Code needs ZipFile, or S3Bucket "hot-reload" with S3Key a local folder')
}

/** Unpacks `bytes` at `codeDir` (relative to `stateDir`) unless already there, keeping the zip beside it. */
export function ensureUnpacked(bytes: Uint8Array, stateDir: string, codeDir: string): void {
  const target = join(stateDir, codeDir)
  if (existsSync(target)) return
  unzipInto(bytes, target)
  const zip = zipPathOf(stateDir, codeDir)
  writeFileSync(`${zip}.${process.pid}.tmp`, bytes)
  renameSync(`${zip}.${process.pid}.tmp`, zip)
}

function unzipInto(bytes: Uint8Array, codeDir: string): void {
  let entries: Record<string, Uint8Array>
  try {
    entries = unzipSync()(bytes)
  } catch (err) {
    throw invalid(`Could not unzip uploaded file. Please check your file, then try to upload again. (${(err as Error).message})`)
  }
  let total = 0
  for (const data of Object.values(entries)) total += data.length
  if (total > MAX_UNZIPPED_BYTES) throw invalid(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`)
  // Unpacked beside the final folder, then renamed: a crash never leaves half a code folder.
  const staging = `${codeDir}.${process.pid}.tmp`
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  for (const [name, data] of Object.entries(entries)) {
    const target = normalize(join(staging, name))
    if (!target.startsWith(staging + sep) || isAbsolute(name)) throw invalid(`The zip entry "${name}" points outside the function's folder`)
    if (name.endsWith('/')) {
      mkdirSync(target, { recursive: true })
      continue
    }
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, data)
  }
  renameSync(staging, codeDir)
}
