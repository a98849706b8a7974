/**
 * @module
 * The credentials the gateway signs AWS service calls with, found where the AWS SDKs look:
 * the config's `awsCredentials`, then `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
 * (`AWS_SESSION_TOKEN`), then the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`,
 * default `~/.aws/credentials`) for `AWS_PROFILE` (default `default`). Role assumption
 * (`credentialsArn`, SSO, instance metadata) is not done: the credentials found sign as they are.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { AwsCredentials } from './sign.js'

export type CredentialSource = { credentials: AwsCredentials; source: string } | null

export function findCredentials(configured: AwsCredentials | null, env: NodeJS.ProcessEnv): CredentialSource {
  if (configured !== null) return { credentials: configured, source: 'awsCredentials' }
  const id = env['AWS_ACCESS_KEY_ID']
  const secret = env['AWS_SECRET_ACCESS_KEY']
  if (id !== undefined && id !== '' && secret !== undefined && secret !== '') {
    const token = env['AWS_SESSION_TOKEN']
    return { credentials: { accessKeyId: id, secretAccessKey: secret, sessionToken: token === '' ? undefined : token }, source: 'environment' }
  }
  const file = env['AWS_SHARED_CREDENTIALS_FILE'] ?? join(homedir(), '.aws', 'credentials')
  const profile = env['AWS_PROFILE'] ?? 'default'
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return null
  }
  const section = iniSection(text, profile)
  const fileId = section['aws_access_key_id']
  const fileSecret = section['aws_secret_access_key']
  if (fileId === undefined || fileSecret === undefined) return null
  return { credentials: { accessKeyId: fileId, secretAccessKey: fileSecret, sessionToken: section['aws_session_token'] }, source: `${file} [${profile}]` }
}

function iniSection(text: string, name: string): Record<string, string> {
  const out: Record<string, string> = {}
  let inside = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[\s*(.+?)\s*\]$/.exec(line)
    if (header !== null) {
      inside = header[1] === name
      continue
    }
    if (!inside) continue
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim()
  }
  return out
}
