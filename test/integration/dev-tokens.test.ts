// Gatehouse's development issuer (issue 14, item 5): `gatehouse token` (the real CLI process)
// and the console's Tokens page sign tokens that a JWT authorizer naming DEV_ISSUER accepts;
// the admin listener serves the issuer's discovery document and JWKS, which a standard client
// (jose's remote key set over HTTP) verifies the same tokens against.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { cliPath, handlersDir } from '../helpers/paths.js'
import { echoApiYaml } from '../helpers/config-builders.js'
import { DEV_AUDIENCE, DEV_ISSUER } from '../../src/auth/index.js'
import { spawnCli } from '../helpers/cli.js'

/** The console API takes JSON bodies only (a cross-site form cannot send this type without a preflight). */
const JSON_TYPE = { 'content-type': 'application/json' }

const run = promisify(execFile)

function keyDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-dev-issuer-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function cliToken(keyFile: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cliPath, 'token', '--key-file', keyFile, ...args])
  return stdout.trim()
}

function protectedApi(): object {
  return {
    functions: { echo: { handler: 'echo.handler' } },
    apis: [
      {
        name: 'dev-tokens',
        apiId: 'devtokens1',
        routes: [
          { routeKey: 'GET /private', target: 'integrations/echo', authorizationType: 'JWT', authorizerId: 'dev' },
          { routeKey: 'GET /admin', target: 'integrations/echo', authorizationType: 'JWT', authorizerId: 'dev', authorizationScopes: ['admin'] },
        ],
        integrations: [{ integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' }],
        authorizers: [
          { authorizerId: 'dev', name: 'dev', authorizerType: 'JWT', identitySource: '$request.header.Authorization', jwtConfiguration: { issuer: DEV_ISSUER, audience: [DEV_AUDIENCE] } },
        ],
      },
    ],
  }
}

test('a token from `gatehouse token` passes a JWT authorizer naming the development issuer; scopes are checked', async (t) => {
  const keyFile = join(keyDir(t), 'key.json')
  const token = await cliToken(keyFile, '--sub', 'alice', '--scope', 'read admin')
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the key file is private')
  const { url } = await startGateway(t, protectedApi(), { devIssuerKeyFile: keyFile })
  const ok = await http(`${url}/admin`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(ok.status, 200)
  const claims = ok.json<{ requestContext: { authorizer: { jwt: { claims: Record<string, string>; scopes: string[] } } } }>().requestContext.authorizer.jwt
  assert.equal(claims.claims['sub'], 'alice')
  assert.equal(claims.claims['iss'], DEV_ISSUER)
  assert.deepEqual(claims.scopes, ['read', 'admin'])

  const readOnly = await cliToken(keyFile, '--sub', 'bob', '--scope', 'read')
  assert.equal((await http(`${url}/admin`, { headers: { authorization: `Bearer ${readOnly}` } })).status, 403)
  assert.equal((await http(`${url}/private`, { headers: { authorization: `Bearer ${readOnly}` } })).status, 200)

  // Another key file is another issuer key: its tokens are refused.
  const stranger = await cliToken(join(keyDir(t), 'other.json'), '--sub', 'mallory')
  const refused = await http(`${url}/private`, { headers: { authorization: `Bearer ${stranger}` } })
  assert.equal(refused.status, 401)
  assert.match(String(refused.headers['www-authenticate']), /signing key was not found|signature is invalid/)

  const otherAudience = await cliToken(keyFile, '--sub', 'carol', '--aud', 'someone-else')
  assert.equal((await http(`${url}/private`, { headers: { authorization: `Bearer ${otherAudience}` } })).status, 401)
})

test('`gatehouse token` refuses bad arguments clearly', async (t) => {
  const keyFile = join(keyDir(t), 'key.json')
  await assert.rejects(run(process.execPath, [cliPath, 'token', '--key-file', keyFile]), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 2)
    assert.match(err.stderr, /--sub is required/)
    return true
  })
  await assert.rejects(run(process.execPath, [cliPath, 'token', '--sub', 'a', '--expires-in', 'soon', '--key-file', keyFile]), /--expires-in must be a whole number/)
  const json = JSON.parse(await cliToken(keyFile, '--sub', 'dora', '--json', '--expires-in', '60')) as { token: string; claims: Record<string, unknown> }
  assert.equal(json.claims['exp'], (json.claims['iat'] as number) + 60)
  assert.equal(json.claims['aud'], DEV_AUDIENCE)
})

test('the admin listener serves the issuer\'s discovery document and a JWKS that verifies its tokens; the console mints and calls', async (t) => {
  const keyFile = join(keyDir(t), 'key.json')
  const { gateway, url } = await startGateway(t, protectedApi(), { admin: {}, devIssuerKeyFile: keyFile })
  const admin = gateway.adminUrl
  const discovery = (await http(`${admin}/dev-issuer/.well-known/openid-configuration`)).json<{ issuer: string; jwks_uri: string }>()
  assert.equal(discovery.issuer, DEV_ISSUER)
  assert.equal(discovery.jwks_uri, `${admin}/dev-issuer/jwks.json`)

  const info = (await http(`${admin}/console/api/tokens`)).json<{ issuer: string; jwksUri: string; audience: string }>()
  assert.deepEqual(info, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwksUri: discovery.jwks_uri })
  const minted = await http(`${admin}/console/api/tokens`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ sub: 'erin', scope: ['admin'] }) })
  assert.equal(minted.status, 200)
  const { token } = minted.json<{ token: string }>()
  const verified = await jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer: DEV_ISSUER, audience: DEV_AUDIENCE })
  assert.equal(verified.payload.sub, 'erin')
  assert.equal(verified.payload['scope'], 'admin')

  const called = await http(`${admin}/console/api/send`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ method: 'GET', target: '/admin', headers: [['authorization', `Bearer ${token}`]] }) })
  const answer = called.json<{ status: number; body: string }>()
  assert.equal(answer.status, 200)
  assert.equal(JSON.parse(answer.body).requestContext.authorizer.jwt.claims.sub, 'erin')
  const direct = await http(`${url}/admin`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(direct.status, 200)

  const bad = await http(`${admin}/console/api/tokens`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ sub: '' }) })
  assert.equal(bad.status, 400)
  assert.match(bad.json<{ message: string }>().message, /sub must be a non-empty string/)
  const tooLong = await http(`${admin}/console/api/tokens`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ sub: 'x', expiresIn: 10 ** 7 }) })
  assert.equal(tooLong.status, 400)
})

test('`gatehouse serve` prints the console URL', async (t) => {
  const dir = keyDir(t)
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  writeFileSync(join(dir, 'gatehouse.yaml'), echoApiYaml('printed', 'printedapi'))
  const cli = spawnCli(t, ['serve', '--port', '0', '--admin-port', '0', '--no-watch'], dir)
  const [, consoleUrl] = (await cli.waitFor('stdout', /Console: (http:\/\/127\.0\.0\.1:\d+\/console\/)\n/)) as unknown as [string, string]
  const page = await http(consoleUrl)
  assert.equal(page.status, 200)
  assert.match(page.text, /Gatehouse console/)
})
