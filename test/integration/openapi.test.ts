import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfigFile } from '../../src/config/load-config.js'
import type { ConfigIssue } from '../../src/index.js'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { fixturesDir, handlersDir } from '../helpers/paths.js'

// OpenAPI 3.0 documents imported as HTTP APIs (spec 12.7), then served: every route the
// document defines is proved by a real request to the started gateway.

const petsConfig = join(fixturesDir, 'configs', 'openapi-pets.yaml')
const ordersConfig = join(fixturesDir, 'configs', 'openapi-orders.json')
const petsDocument = join(fixturesDir, 'openapi', 'pets.yaml')

interface EventV2 {
  version: string
  routeKey: string
  rawPath: string
  pathParameters?: Record<string, string>
  stageVariables?: Record<string, string>
  requestContext: { accountId: string; apiId: string; stage: string; http: { method: string; path: string } }
}

interface EventV1 {
  version: string
  resource: string
  path: string
  httpMethod: string
  pathParameters: Record<string, string> | null
  requestContext: { accountId: string; stage: string; resourcePath: string }
}

async function event<T>(url: string, method = 'GET'): Promise<T> {
  const res = await http(url, { method })
  assert.equal(res.status, 200, `${method} ${url} answered ${res.status}: ${res.text}`)
  return res.json<T>()
}

test('an OpenAPI 3.0 YAML document becomes routes and integrations as ImportApi maps them', () => {
  const result = loadConfigFile(petsConfig)
  assert.ok(result.ok, result.ok ? '' : result.issues.map((i) => `${i.file}:${i.line}: ${i.path}: ${i.message}`).join('\n'))
  const api = result.config.apis[0]
  assert.ok(api !== undefined)
  assert.equal(api.name, 'pets-openapi', 'info.title names the API')
  assert.equal(api.apiId, 'petsoas01', 'apiId beside openapi: in the config is used')
  assert.deepEqual(
    api.routes.map((r) => r.routeKey),
    ['GET /pets', 'POST /pets', 'GET /pets/{petId}', 'ANY /legacy/{proxy+}', '$default']
  )
  assert.deepEqual(
    api.stages.map((s) => [s.stageName, s.stageVariables]),
    [
      ['$default', {}],
      ['dev', { color: 'green' }],
    ]
  )
  const integrationOf = (routeKey: string) => {
    const route = api.routes.find((r) => r.routeKey === routeKey)
    assert.ok(route?.integrationId != null, `${routeKey} has an integration`)
    const integration = api.integrations.get(route.integrationId)
    assert.ok(integration !== undefined)
    return integration
  }
  // Inline integration: lowercase type, invocation ARN with AWS variables substituted
  // from the config's region and account, payloadFormatVersion given as the number 2.0.
  const list = integrationOf('GET /pets')
  assert.equal(list.integrationType, 'AWS_PROXY')
  assert.equal(
    list.integrationUri,
    'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:210987654321:function:echo/invocations'
  )
  assert.equal(list.payloadFormatVersion, '2.0')
  assert.equal(list.timeoutInMillis, 5000)
  // ${AWS::Partition} too; payloadFormatVersion given as the string "1.0".
  const legacy = integrationOf('ANY /legacy/{proxy+}')
  assert.equal(legacy.integrationUri, 'arn:aws:lambda:eu-west-1:210987654321:function:legacy')
  assert.equal(legacy.payloadFormatVersion, '1.0')
  assert.equal(legacy.timeoutInMillis, 30000, 'timeoutInMillis defaults to 30000')
  // One shared integration, referenced by $ref from three operations.
  const shared = integrationOf('POST /pets')
  assert.equal(shared.integrationId, 'petsShared')
  assert.equal(shared.integrationUri, 'arn:aws:lambda:eu-west-1:210987654321:function:echo')
  assert.equal(integrationOf('GET /pets/{petId}'), shared)
  assert.equal(integrationOf('$default'), shared)
  assert.equal(api.integrations.size, 3)
  // Routes and integrations remember the OpenAPI document they came from.
  const route = api.routes.find((r) => r.routeKey === 'GET /pets')
  assert.equal(route?.origin.file, petsDocument)
  assert.ok(result.config.sourceFiles.includes(petsDocument), 'the OpenAPI document is a source file (watched for reloads)')
})

test('every route imported from an OpenAPI YAML document answers real requests with the right event', async (t) => {
  const { url } = await startGateway(t, petsConfig)

  const list = await event<EventV2>(url + '/pets')
  assert.equal(list.version, '2.0')
  assert.equal(list.routeKey, 'GET /pets')
  assert.equal(list.requestContext.accountId, '210987654321')
  assert.equal(list.requestContext.apiId, 'petsoas01')
  assert.equal(list.requestContext.stage, '$default')

  const created = await event<EventV2>(url + '/pets', 'POST')
  assert.equal(created.routeKey, 'POST /pets')
  assert.equal(created.requestContext.http.method, 'POST')

  const one = await event<EventV2>(url + '/pets/42')
  assert.equal(one.routeKey, 'GET /pets/{petId}')
  assert.deepEqual(one.pathParameters, { petId: '42' })

  // x-amazon-apigateway-any-method: every method, payload 1.0.
  for (const method of ['GET', 'DELETE', 'PATCH']) {
    const legacy = await event<EventV1>(url + '/legacy/a/b', method)
    assert.equal(legacy.version, '1.0')
    assert.equal(legacy.httpMethod, method)
    assert.equal(legacy.resource, '/legacy/{proxy+}')
    assert.deepEqual(legacy.pathParameters, { proxy: 'a/b' })
  }

  // /$default with isDefaultRoute: true catches what no other route matches.
  const fallback = await event<EventV2>(url + '/nothing/here', 'PUT')
  assert.equal(fallback.routeKey, '$default')
  assert.equal(fallback.rawPath, '/nothing/here')
  const unmatchedMethod = await event<EventV2>(url + '/pets/42', 'DELETE')
  assert.equal(unmatchedMethod.routeKey, '$default')

  // Stages come from the config file, with their variables.
  const dev = await event<EventV2>(url + '/dev/pets/7')
  assert.equal(dev.routeKey, 'GET /pets/{petId}')
  assert.equal(dev.requestContext.stage, 'dev')
  assert.deepEqual(dev.stageVariables, { color: 'green' })
  assert.deepEqual(dev.pathParameters, { petId: '7' })
})

test('an OpenAPI JSON document is imported too, with the name given in the config winning over info.title', async (t) => {
  const { gateway, url } = await startGateway(t, ordersConfig)
  const api = gateway.config.apis[0]
  assert.ok(api !== undefined)
  assert.equal(api.name, 'orders-renamed')
  assert.deepEqual(api.routes.map((r) => r.routeKey).sort(), ['ANY /orders', 'GET /orders/{orderId}'])
  assert.deepEqual(api.stages.map((s) => s.stageName), ['$default'], 'no stages in the config: a $default stage')
  const inline = [...api.integrations.values()].find((i) => i.payloadFormatVersion === '2.0')
  assert.equal(inline?.timeoutInMillis, 2500)
  assert.match(inline?.integrationUri ?? '', /^arn:aws:apigateway:us-east-1:lambda:path\/2015-03-31\/functions\/arn:aws:lambda:us-east-1:123456789012:function:echo\/invocations$/)

  const order = await event<EventV2>(url + '/orders/o-1')
  assert.equal(order.routeKey, 'GET /orders/{orderId}')
  assert.deepEqual(order.pathParameters, { orderId: 'o-1' })
  assert.equal(order.requestContext.accountId, '123456789012')

  const any = await event<EventV1>(url + '/orders', 'POST')
  assert.equal(any.version, '1.0')
  assert.equal(any.resource, '/orders')
  assert.equal(any.httpMethod, 'POST')

  const missing = await http(url + '/nowhere')
  assert.equal(missing.status, 404)
  assert.equal(missing.text, '{"message":"Not Found"}')
})

// ---- Errors: reported against the OpenAPI document, with its path and line ----

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-openapi-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  return dir
}

const CONFIG = (document: string): string => `functions:
  echo:
    handler: echo.handler
apis:
  - openapi: ${document}
`

function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle))
  if (index < 0) throw new Error(`test bug: "${needle}" not in the document`)
  return index + 1
}

/** Loads a config importing `document` (written as `name`) and returns its issues. */
function importIssues(t: TestContext, name: string, document: string): { issues: readonly ConfigIssue[]; file: string } {
  const dir = tempDir(t)
  writeFileSync(join(dir, name), document)
  writeFileSync(join(dir, 'gatehouse.yaml'), CONFIG(name))
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.equal(result.ok, false, 'the import must be refused')
  return { issues: result.ok ? [] : result.issues, file: join(dir, name) }
}

function only(issues: readonly ConfigIssue[]): ConfigIssue {
  assert.equal(issues.length, 1, issues.map((i) => `${i.file}:${i.line}: ${i.path}: ${i.message}`).join('\n'))
  return issues[0] as ConfigIssue
}

const OPERATION = (extension: string): string => `openapi: 3.0.1
info:
  title: broken
  version: "1"
paths:
  /things:
    get:
      x-amazon-apigateway-integration:
${extension}`

test('a Swagger 2.0 document is refused: HTTP APIs import OpenAPI 3.0 only', (t) => {
  const document = `swagger: "2.0"
info:
  title: old
  version: "1"
paths: {}
`
  const { issues, file } = importIssues(t, 'swagger.yaml', document)
  const issue = only(issues)
  assert.equal(issue.file, file)
  assert.equal(issue.line, 1)
  assert.equal(issue.path, 'swagger')
  assert.match(issue.message, /Swagger 2\.0 documents are not supported/)
  assert.match(issue.message, /OpenAPI 3\.0/)
})

test('an unknown field inside x-amazon-apigateway-integration is reported with the OpenAPI file, line and path', (t) => {
  const document = OPERATION(`          type: aws_proxy
          uri: echo
          payloadFormatVersion: "2.0"
          timeoutInMilis: 1000
`)
  const { issues, file } = importIssues(t, 'api.yaml', document)
  const issue = only(issues)
  assert.equal(issue.file, file)
  assert.equal(issue.line, lineOf(document, 'timeoutInMilis'))
  assert.equal(issue.path, 'paths["/things"].get.x-amazon-apigateway-integration.timeoutInMilis')
  assert.match(issue.message, /^unknown field "timeoutInMilis"/)
})

test('a $ref that names no shared integration is refused at the $ref, with line numbers from a JSON document', (t) => {
  const document = `{
  "openapi": "3.0.1",
  "info": { "title": "refs", "version": "1" },
  "paths": {
    "/things": {
      "get": {
        "x-amazon-apigateway-integration": {
          "$ref": "#/components/x-amazon-apigateway-integrations/nope"
        }
      }
    }
  },
  "components": {
    "x-amazon-apigateway-integrations": {
      "real": { "type": "aws_proxy", "uri": "echo", "payloadFormatVersion": "2.0" }
    }
  }
}
`
  const { issues, file } = importIssues(t, 'api.json', document)
  const issue = only(issues)
  assert.equal(issue.file, file)
  // The $ref itself, or the extension object holding it.
  assert.ok([lineOf(document, '"$ref"'), lineOf(document, '"x-amazon-apigateway-integration"')].includes(issue.line ?? -1), `line ${issue.line}`)
  assert.equal(issue.path, 'paths["/things"].get.x-amazon-apigateway-integration.$ref')
  assert.match(issue.message, /\$ref "#\/components\/x-amazon-apigateway-integrations\/nope" does not name an integration/)
})

test('an operation whose security names an undefined scheme is refused rather than served without its authorizer', (t) => {
  const document = `openapi: 3.0.1
info:
  title: secured
  version: "1"
paths:
  /open:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: echo
        payloadFormatVersion: "2.0"
  /things:
    get:
      security:
        - jwtAuth: [things.read]
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: echo
        payloadFormatVersion: "2.0"
`
  const { issues, file } = importIssues(t, 'api.yaml', document)
  const issue = only(issues)
  assert.equal(issue.file, file)
  assert.equal(issue.line, lineOf(document, 'security:'))
  assert.equal(issue.path, 'paths["/things"].get.security')
  assert.match(issue.message, /^security scheme "jwtAuth" is not defined/)
})

test('an OpenAPI integration naming an undefined function is reported in the OpenAPI document', (t) => {
  const document = OPERATION(`          type: aws_proxy
          uri: arn:aws:lambda:\${AWS::Region}:\${AWS::AccountId}:function:ghost
          payloadFormatVersion: "2.0"
`)
  const { issues, file } = importIssues(t, 'api.yaml', document)
  const issue = only(issues)
  assert.equal(issue.file, file)
  // The uri line, or the integration object's first line.
  assert.ok([lineOf(document, 'function:ghost'), lineOf(document, 'type: aws_proxy')].includes(issue.line ?? -1), `line ${issue.line}`)
  assert.ok(issue.path.startsWith('paths["/things"].get.x-amazon-apigateway-integration'), issue.path)
  assert.match(issue.message, /function "ghost" is not defined under functions/)
})

test("issues in an OpenAPI document name the document's own fields (uri, security) and their lines, not the apigatewayv2 fields they map to", (t) => {
  const document = `openapi: 3.0.1
info:
  title: naming
  version: "1"
paths:
  /ghost:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: ghost
        payloadFormatVersion: "2.0"
  /secured:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: echo
        payloadFormatVersion: "2.0"
      security:
        - jwtAuth: []
`
  const { issues } = importIssues(t, 'api.yaml', document)
  const rendered = issues.map((i) => `${i.line}: ${i.path}`).sort()
  assert.deepEqual(rendered, [
    `${lineOf(document, 'uri: ghost')}: paths["/ghost"].get.x-amazon-apigateway-integration.uri`,
    `${lineOf(document, 'security:')}: paths["/secured"].get.security`,
  ].sort())
})

test('an OpenAPI document that does not exist is reported against the config line that names it', (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'gatehouse.yaml'), CONFIG('missing.yaml'))
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.equal(result.ok, false)
  if (result.ok) return
  const atConfig = result.issues.find((i) => i.file === join(dir, 'gatehouse.yaml'))
  assert.ok(atConfig !== undefined, JSON.stringify(result.issues))
  assert.equal(atConfig.line, lineOf(CONFIG('missing.yaml'), 'openapi: missing.yaml'))
  assert.equal(atConfig.path, 'apis[0].openapi')
  assert.ok(result.issues.some((i) => i.file === join(dir, 'missing.yaml') && /file not found/.test(i.message)))
})

test('the pets fixture keeps payloadFormatVersion as a YAML number and as a string, and AWS variables in its URIs', () => {
  // Guards the assertions above against the fixture drifting: the two forms of
  // payloadFormatVersion and the AWS variables must stay in the document.
  const text = readFileSync(petsDocument, 'utf8')
  assert.match(text, /payloadFormatVersion: 2\.0\n/)
  assert.match(text, /payloadFormatVersion: "1\.0"\n/)
  assert.match(text, /\$\{AWS::Region\}.*\$\{AWS::AccountId\}/)
  assert.match(text, /type: aws_proxy/)
})
