// What service integrations need to reach AWS: our SigV4 signer checked against the official
// AWS signer (@smithy/signature-v4), credentials found where the AWS SDKs look, endpoints per
// service (config, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, AWS), and service ARNs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'
import { awsService, findCredentials, parseServiceUri, serviceEndpoint, signRequest } from '../../src/aws/index.js'

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5)

test('signRequest produces the signature the AWS SDK signer computes (encoded path, sorted query, session token)', async () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'tok/en+=' }
  const cases = [
    { method: 'POST', path: '/', query: [] as Array<[string, string]>, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' }, body: '{"TableName":"T"}' },
    { method: 'GET', path: '/2015-03-31/functions/my%20fn/configuration', query: [['b', '2'], ['a', 'x y'], ['a', '1']] as Array<[string, string]>, headers: {}, body: '' },
  ]
  for (const c of cases) {
    const host = '127.0.0.1:4566'
    const ours = signRequest({ method: c.method, host, path: c.path, query: c.query, headers: c.headers, body: Buffer.from(c.body) }, credentials, { region: 'eu-west-1', service: 'dynamodb', now: NOW })
    const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 'dynamodb', sha256: Sha256, applyChecksum: false })
    const query: Record<string, string | string[]> = {}
    for (const [k, v] of c.query) {
      const prev = query[k]
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
    const theirs = await signer.sign({ method: c.method, protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: c.path, query, headers: { ...c.headers, host }, body: c.body }, { signingDate: new Date(NOW) })
    assert.equal(ours['authorization'], theirs.headers['authorization'], c.path)
    assert.equal(ours['x-amz-date'], '20260102T030405Z')
    assert.equal(ours['x-amz-security-token'], 'tok/en+=')
  }
})

test('credentials: the config first, then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then the shared file profile', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-aws-creds-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'credentials')
  writeFileSync(file, '[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n\n[ci]\naws_access_key_id=AKIDCI\naws_secret_access_key=cisecret\naws_session_token=citoken\n')
  const configured = { accessKeyId: 'AKIDCONF', secretAccessKey: 'conf' }
  const env = { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'envsecret', AWS_SESSION_TOKEN: 'envtoken', AWS_SHARED_CREDENTIALS_FILE: file }
  assert.deepEqual(findCredentials(configured, env), { credentials: configured, source: 'awsCredentials' })
  assert.deepEqual(findCredentials(null, env)?.credentials, { accessKeyId: 'AKIDENV', secretAccessKey: 'envsecret', sessionToken: 'envtoken' })
  assert.deepEqual(findCredentials(null, { AWS_SHARED_CREDENTIALS_FILE: file })?.credentials, { accessKeyId: 'AKIDFILE', secretAccessKey: 'filesecret', sessionToken: undefined })
  assert.deepEqual(findCredentials(null, { AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'ci' })?.credentials, { accessKeyId: 'AKIDCI', secretAccessKey: 'cisecret', sessionToken: 'citoken' })
  assert.equal(findCredentials(null, { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') }), null)
})

test('endpoints: awsEndpoints, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then AWS', () => {
  const dynamodb = awsService('dynamodb')
  const states = awsService('states')
  assert.ok(dynamodb !== undefined && states !== undefined)
  const env = { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }
  assert.equal(serviceEndpoint(dynamodb, 'eu-west-1', { dynamodb: 'http://127.0.0.1:9000' }, env).url.href, 'http://127.0.0.1:9000/')
  assert.equal(serviceEndpoint(dynamodb, 'eu-west-1', {}, env).url.href, 'http://127.0.0.1:8000/')
  assert.equal(serviceEndpoint(states, 'eu-west-1', {}, env).url.href, 'http://127.0.0.1:4566/')
  assert.equal(serviceEndpoint(states, 'eu-west-1', {}, { AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:8083' }).url.href, 'http://127.0.0.1:8083/')
  assert.equal(serviceEndpoint(states, 'eu-west-1', {}, {}).url.href, 'https://states.eu-west-1.amazonaws.com/')
})

test('service ARNs: action/ and path/ forms', () => {
  assert.deepEqual(parseServiceUri('arn:aws:apigateway:us-east-1:dynamodb:action/PutItem'), { ok: true, region: 'us-east-1', service: 'dynamodb', kind: 'action', action: 'PutItem' })
  assert.deepEqual(parseServiceUri('arn:aws:apigateway:us-east-1:sqs:path/123456789012/queue'), { ok: true, region: 'us-east-1', service: 'sqs', kind: 'path', path: '/123456789012/queue' })
  assert.equal(parseServiceUri('arn:aws:apigateway:us-east-1:lambda').ok, false)
  assert.equal(parseServiceUri('arn:aws:apigateway:us-east-1:dynamodb:action/Put-Item').ok, false)
})
