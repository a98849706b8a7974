// Pure pieces of the console (issue 14): masking secrets, cutting long bodies, finding an
// invocation's log lines, and the OpenAPI export, which Gatehouse's own OpenAPI import must
// read back into the same routes, integrations, authorizers and CORS.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { invocationIdOf, MASKED_VALUE, MAX_RECORDED_BODY_BYTES, maskText, secretsOf } from '../../src/observability/index.js'
import { recordedBody } from '../../src/observability/masking.js'
import { exportOpenApi } from '../../src/console/index.js'
import { loadConfigObject } from '../../src/config/index.js'

test('secrets are the masked headers\' values, each cookie, and a bearer token alone', () => {
  const secrets = secretsOf(['Authorization', 'Bearer abc.def', 'Cookie', 'a=1; b=2', 'X-Other', 'visible', 'x-amz-security-token', 'tok'])
  assert.deepEqual(new Set(secrets), new Set(['Bearer abc.def', 'abc.def', 'a=1; b=2', 'a=1', 'b=2', 'tok']))
  assert.equal(secrets[0], 'Bearer abc.def', 'longest first')
})

test('masking replaces a secret as written and as escaped inside JSON', () => {
  const secrets = secretsOf(['cookie', 'q="x"'])
  const json = JSON.stringify({ headers: { cookie: 'q="x"' }, cookies: ['q="x"'] })
  assert.equal(maskText(json, secrets), `{"headers":{"cookie":"${MASKED_VALUE}"},"cookies":["${MASKED_VALUE}"]}`)
  assert.equal(maskText('no secrets here', secrets), 'no secrets here')
})

test('bodies over the bound are cut with a marker saying how much is left out', () => {
  const body = Buffer.alloc(MAX_RECORDED_BODY_BYTES + 10, 'a')
  const kept = recordedBody(body)
  assert.ok(kept.startsWith('a'.repeat(MAX_RECORDED_BODY_BYTES)))
  assert.ok(kept.endsWith('…[truncated by the Gatehouse console: 10 more bytes]'))
  assert.equal(recordedBody(Buffer.from('short')), 'short')
  assert.equal(recordedBody(Buffer.from([0xff, 0xfe])), 'base64://4=')
})

test('a function log line names its invocation', () => {
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e'
  assert.equal(invocationIdOf(`START RequestId: ${id} Version: $LATEST`), id)
  assert.equal(invocationIdOf(`REPORT RequestId: ${id}\tDuration: 1.00 ms`), id)
  assert.equal(invocationIdOf(`2026-01-01T00:00:00.000Z\t${id}\tINFO\thello`), id)
  assert.equal(invocationIdOf('INIT_REPORT Init Duration: 1 ms'), undefined)
})

test('the OpenAPI export reads back through the OpenAPI import as the same API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-openapi-export-'))
  try {
    writeFileSync(join(dir, 'fn.mjs'), 'export const handler = async () => ({ statusCode: 200 })\n')
    const original = loadConfigObject(
      {
        functions: { fn: { handler: 'fn.handler' } },
        apis: [
          {
            name: 'exported',
            apiId: 'exportapi1',
            corsConfiguration: { allowOrigins: ['https://example.com'], allowMethods: ['GET'] },
            routes: [
              { routeKey: 'GET /pets/{id}', target: 'integrations/fn', authorizationType: 'JWT', authorizerId: 'jwt', authorizationScopes: ['read'] },
              { routeKey: 'ANY /things/{proxy+}', target: 'integrations/fn' },
              { routeKey: '$default', target: 'integrations/fn' },
            ],
            integrations: [{ integrationId: 'fn', integrationType: 'AWS_PROXY', integrationUri: 'fn', payloadFormatVersion: '2.0', timeoutInMillis: 5000 }],
            authorizers: [{ authorizerId: 'jwt', name: 'jwt', authorizerType: 'JWT', identitySource: '$request.header.Authorization', jwtConfiguration: { issuer: 'https://issuer.example', audience: ['aud1'] } }],
          },
        ],
      },
      dir
    )
    assert.ok(original.ok, JSON.stringify(!original.ok && original.issues))
    const api = original.config.apis[0]
    assert.ok(api !== undefined)
    const doc = exportOpenApi(api)
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc))
    const imported = loadConfigObject({ functions: { fn: { handler: 'fn.handler' } }, apis: [{ openapi: './openapi.json', apiId: 'exportapi1' }] }, dir)
    assert.ok(imported.ok, JSON.stringify(!imported.ok && imported.issues))
    const back = imported.config.apis[0]
    assert.ok(back !== undefined)
    assert.equal(back.name, 'exported')
    assert.deepEqual(back.routes.map((r) => r.routeKey).sort(), api.routes.map((r) => r.routeKey).sort())
    const pets = back.routes.find((r) => r.routeKey === 'GET /pets/{id}')
    assert.equal(pets?.authorizationType, 'JWT')
    assert.deepEqual(pets?.authorizationScopes, ['read'])
    const authorizer = [...back.authorizers.values()][0]
    assert.equal(authorizer?.authorizerType, 'JWT')
    assert.equal(authorizer?.authorizerType === 'JWT' ? authorizer.issuer : '', 'https://issuer.example')
    const integration = back.integrations.get(pets?.integrationId ?? '')
    assert.equal(integration?.integrationType, 'AWS_PROXY')
    assert.equal(integration?.timeoutInMillis, 5000)
    assert.deepEqual(back.cors?.allowOrigins, ['https://example.com'])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
