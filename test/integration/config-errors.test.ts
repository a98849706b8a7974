import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, createGateway, type ConfigIssue } from '../../src/index.js'
import { loadConfigFile, loadConfigObject } from '../../src/config/load-config.js'
import { singleFunctionApi } from '../helpers/gateway.js'
import { handlersDir } from '../helpers/paths.js'

// One test per class of config mistake. Each case writes a config (and any extra files)
// into a fresh temp dir, loads it with loadConfigFile, and asserts every issue's file,
// line, path and message; the issue count must match too, so a mistake that also produces
// misleading follow-on issues fails its test.

/** A line of the case's text: the first line containing `text`, or its `nth` occurrence (1-based). */
type At = string | { readonly text: string; readonly nth: number }

interface ExpectedIssue {
  /** File the issue names, relative to the temp dir; default: the config file. */
  readonly file?: string
  /**
   * The line the issue must name. An array lists lines that are all acceptable (used where
   * reporting at the enclosing object or at the field itself are both reasonable); `null`
   * means the issue carries no line.
   */
  readonly at: At | readonly At[] | null
  readonly path: string | RegExp
  readonly message: string | RegExp
}

interface Case {
  readonly name: string
  /** Config file name; default gatehouse.yaml. */
  readonly file?: string
  readonly text: string
  /** Extra files (OpenAPI documents, handlers) written beside the config. */
  readonly files?: Readonly<Record<string, string>>
  readonly expect: readonly ExpectedIssue[]
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-errors-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  return dir
}

function lineOf(text: string, at: At): number {
  const needle = typeof at === 'string' ? at : at.text
  const nth = typeof at === 'string' ? 1 : at.nth
  const lines = text.split('\n')
  const hits = lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []))
  if (typeof at === 'string' && hits.length > 1) throw new Error(`test bug: "${needle}" occurs on lines ${hits.join(', ')}`)
  const line = hits[nth - 1]
  if (line === undefined) throw new Error(`test bug: "${needle}" (occurrence ${nth}) is not in the config text`)
  return line
}

const matches = (pattern: string | RegExp, value: string): boolean =>
  typeof pattern === 'string' ? pattern === value : pattern.test(value)

function render(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  ${i.file}:${i.line ?? '-'}: ${i.path}: ${i.message}`).join('\n')
}

/** Asserts that `issues` are exactly `expected` (in any order), each at its file and line. */
function assertIssues(issues: readonly ConfigIssue[], expected: readonly ExpectedIssue[], dir: string, configFile: string, text: string): void {
  for (const e of expected) {
    const found = issues.filter((i) => matches(e.path, i.path) && matches(e.message, i.message))
    assert.equal(found.length, 1, `expected exactly one issue at ${String(e.path)} matching ${String(e.message)}; got:\n${render(issues)}`)
    const issue = found[0] as ConfigIssue
    assert.equal(issue.file, join(dir, e.file ?? configFile), `file of ${issue.path}: ${issue.message}`)
    if (e.at === null) {
      assert.equal(issue.line, undefined, `no line expected for ${issue.path}`)
    } else {
      const acceptable = (Array.isArray(e.at) ? e.at : [e.at]) as readonly At[]
      const lines = acceptable.map((a) => lineOf(text, a))
      assert.ok(
        issue.line !== undefined && lines.includes(issue.line),
        `line of ${issue.path} (${issue.message}) is ${issue.line}, expected ${lines.join(' or ')}`
      )
    }
  }
  assert.equal(issues.length, expected.length, `expected ${expected.length} issue(s), got ${issues.length}:\n${render(issues)}`)
}

function runCase(t: TestContext, c: Case): void {
  const dir = tempDir(t)
  const configFile = c.file ?? 'gatehouse.yaml'
  writeFileSync(join(dir, configFile), c.text)
  for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content)
  const result = loadConfigFile(join(dir, configFile))
  assert.equal(result.ok, false, 'the config must be refused')
  if (result.ok) return
  assertIssues(result.issues, c.expect, dir, configFile, c.text)
}

// Building blocks for the YAML below. Each case spells out its API so line numbers are
// visible in the text they are computed from.
const FUNCTIONS = `functions:
  fn:
    handler: echo.handler
`
const FN_INTEGRATION = `    integrations:
      - integrationId: fn
        integrationType: AWS_PROXY
        integrationUri: fn
        payloadFormatVersion: "2.0"
`
/** An API `shop` with the given routes block (already indented) and the `fn` integration. */
const apiWithRoutes = (routes: string, extra = ''): string => `${FUNCTIONS}apis:
  - name: shop
    apiId: shop001
    routes:
${routes}${FN_INTEGRATION}${extra}`
/** An API `shop` with one route to `fn` and the given stages block. */
const apiWithStages = (stages: string): string =>
  apiWithRoutes(`      - routeKey: GET /x
        target: integrations/fn
`, `    stages:
${stages}`)
/** An API `shop` with one route to integration `i` defined by `integration` (indented). */
const apiWithIntegration = (integration: string, stages = ''): string => `${FUNCTIONS}apis:
  - name: shop
    routes:
      - routeKey: GET /x
        target: integrations/i
    integrations:
${integration}${stages}`

const VALID = apiWithStages(`      - stageName: $default
      - stageName: dev
        stageVariables:
          color: blue
`)

test('the valid baseline config the cases below start from loads without issues', (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'gatehouse.yaml'), VALID)
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.ok(result.ok, result.ok ? '' : render(result.issues))
  assert.deepEqual(
    result.config.apis.map((a) => [a.apiId, a.routes.map((r) => r.routeKey), a.stages.map((s) => s.stageName)]),
    [['shop001', ['GET /x'], ['$default', 'dev']]]
  )
})

const cases: Case[] = [
  {
    name: 'a YAML syntax error is reported with the line it is on',
    text: `functions:
  fn:
    handler: echo.handler: x
apis: []
`,
    expect: [{ at: 'handler: echo.handler: x', path: '(root)', message: /^cannot parse: .+/ }],
  },
  {
    name: 'a tab-indented line is reported once, without the parser\'s follow-on errors',
    text: `functions:
  fn:
    handler: echo.handler
    environment:
\t      A: b
apis: []
`,
    expect: [{ at: '\t      A: b', path: '(root)', message: /^cannot parse: .+/ }],
  },
  {
    name: 'a YAML alias bomb is one problem naming the file, not a crash',
    text: `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
`,
    expect: [{ at: null, path: '(root)', message: /^cannot parse: Excessive alias count/ }],
  },
  {
    name: 'a config that is not a mapping is refused at line 1',
    text: `- name: shop
- name: other
`,
    expect: [{ at: '- name: shop', path: '(root)', message: /must be a mapping/ }],
  },
  {
    name: 'an unknown top-level field is reported with a "did you mean" hint',
    text: `functons:
  fn:
    handler: echo.handler
apis:
  - name: shop
    routes: []
`,
    expect: [{ at: 'functons:', path: 'functons', message: 'unknown field "functons" (did you mean "functions"?)' }],
  },
  {
    name: 'an unknown field in a function, route, integration or stage is reported at its key',
    text: `functions:
  fn:
    handler: echo.handler
    timout: 3
apis:
  - name: shop
    routes:
      - routeKey: GET /x
        targt: integrations/fn
    integrations:
      - integrationId: fn
        integrationType: AWS_PROXY
        integrationUri: fn
        payloadFormatVersion: "2.0"
        timeoutInMilis: 100
    stages:
      - stageName: dev
        stageVariabels: {}
`,
    expect: [
      { at: 'timout: 3', path: 'functions.fn.timout', message: /^unknown field "timout"/ },
      { at: 'targt:', path: 'apis[0].routes[0].targt', message: /^unknown field "targt"/ },
      { at: 'timeoutInMilis:', path: 'apis[0].integrations[0].timeoutInMilis', message: /^unknown field "timeoutInMilis"/ },
      { at: 'stageVariabels:', path: 'apis[0].stages[0].stageVariabels', message: /^unknown field "stageVariabels"/ },
    ],
  },
  {
    name: 'a missing required field is reported at the object that lacks it',
    text: `functions:
  fn:
    handler: echo.handler
  other:
    timeout: 3
apis:
  - name: shop
    routes:
      - target: integrations/fn
    integrations:
      - integrationId: fn
        integrationType: AWS_PROXY
        integrationUri: fn
        payloadFormatVersion: "2.0"
  - name: second
    routes:
      - routeKey: GET /y
        target: integrations/j
    integrations:
      - integrationId: j
        integrationType: AWS_PROXY
        payloadFormatVersion: "2.0"
`,
    expect: [
      { at: 'timeout: 3', path: 'functions.other.handler', message: 'required field is missing' },
      { at: '- target: integrations/fn', path: 'apis[0].routes[0].routeKey', message: 'required field is missing' },
      { at: '- integrationId: j', path: 'apis[1].integrations[0].integrationUri', message: /integrationUri is required/ },
    ],
  },
  {
    name: 'a route key ending in "/" is refused with AWS\'s invalid path parts message',
    text: apiWithRoutes(`      - routeKey: GET /metrics/
        target: integrations/fn
`),
    expect: [{ at: 'routeKey: GET /metrics/', path: 'apis[0].routes[0].routeKey', message: /"GET \/metrics\/".*One or more path parts appear to be invalid/ }],
  },
  {
    name: 'a route key with a variable that is only part of a segment (/{id}.json) is refused',
    text: apiWithRoutes(`      - routeKey: GET /{id}.json
        target: integrations/fn
`),
    expect: [{ at: 'routeKey: GET /{id}.json', path: 'apis[0].routes[0].routeKey', message: /One or more path parts appear to be invalid/ }],
  },
  {
    name: 'a route key with an unknown or lower-case method is refused',
    text: apiWithRoutes(`      - routeKey: FETCH /x
        target: integrations/fn
      - routeKey: get /y
        target: integrations/fn
`),
    expect: [
      { at: 'routeKey: FETCH /x', path: 'apis[0].routes[0].routeKey', message: /invalid route key "FETCH \/x": method "FETCH"/ },
      { at: 'routeKey: get /y', path: 'apis[0].routes[1].routeKey', message: /invalid route key "get \/y": method "get"/ },
    ],
  },
  {
    name: 'a route key with a greedy variable before the last segment is refused',
    text: apiWithRoutes(`      - routeKey: GET /{proxy+}/x
        target: integrations/fn
`),
    expect: [{ at: 'routeKey: GET /{proxy+}/x', path: 'apis[0].routes[0].routeKey', message: /greedy variable "\{proxy\+\}" must be the last path part/ }],
  },
  {
    name: 'a duplicate route key is refused with AWS\'s "already exists" message at the second route',
    text: apiWithRoutes(`      - routeKey: GET /x
        target: integrations/fn
      - routeKey: POST /x
        target: integrations/fn
      - routeKey: GET /x
        target: integrations/fn
`),
    expect: [{ at: { text: 'routeKey: GET /x', nth: 2 }, path: 'apis[0].routes[2].routeKey', message: "Route with key 'GET /x' already exists" }],
  },
  {
    name: 'a route target that is not "integrations/{id}" is refused',
    text: apiWithRoutes(`      - routeKey: GET /x
        target: fn
`),
    expect: [{ at: 'target: fn', path: 'apis[0].routes[0].target', message: 'target must be "integrations/{integrationId}"' }],
  },
  {
    name: 'a route target naming an integration the API does not have is refused',
    text: apiWithRoutes(`      - routeKey: GET /x
        target: integrations/nope
`),
    expect: [{ at: 'target: integrations/nope', path: 'apis[0].routes[0].target', message: /integration "nope" does not exist in this API/ }],
  },
  {
    name: 'an integration URI naming an undefined function is refused in name, function ARN and invocation ARN form',
    text: `${FUNCTIONS}apis:
  - name: shop
    routes:
      - routeKey: GET /a
        target: integrations/a
      - routeKey: GET /b
        target: integrations/b
      - routeKey: GET /c
        target: integrations/c
    integrations:
      - integrationId: a
        integrationType: AWS_PROXY
        integrationUri: ghost
        payloadFormatVersion: "2.0"
      - integrationId: b
        integrationType: AWS_PROXY
        integrationUri: arn:aws:lambda:us-east-1:123456789012:function:phantom
        payloadFormatVersion: "2.0"
      - integrationId: c
        integrationType: AWS_PROXY
        integrationUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:spectre/invocations
        payloadFormatVersion: "2.0"
`,
    expect: [
      { at: 'integrationUri: ghost', path: 'apis[0].integrations[0].integrationUri', message: /^function "ghost" is not defined under functions \(defined: fn\)/ },
      { at: 'function:phantom', path: 'apis[0].integrations[1].integrationUri', message: /^function "phantom" is not defined under functions/ },
      { at: 'function:spectre', path: 'apis[0].integrations[2].integrationUri', message: /^function "spectre" is not defined under functions/ },
    ],
  },
  {
    name: 'a stage-variable URI is checked in every stage: a missing function or a missing variable names the stage',
    text: apiWithIntegration(
      `      - integrationId: i
        integrationType: AWS_PROXY
        integrationUri: arn:aws:lambda:us-east-1:123456789012:function:\${stageVariables.fnName}
        payloadFormatVersion: "2.0"
`,
      `    stages:
      - stageName: dev
        stageVariables:
          fnName: fn
      - stageName: prod
        stageVariables:
          fnName: ghost
      - stageName: test
`
    ),
    expect: [
      { at: 'function:${stageVariables.fnName}', path: 'apis[0].integrations[0].integrationUri', message: /function "ghost" in stage "prod" is not defined under functions/ },
      { at: 'function:${stageVariables.fnName}', path: 'apis[0].integrations[0].integrationUri', message: /stage variable "fnName" is not defined in stage "test"/ },
    ],
  },
  {
    name: 'payloadFormatVersion is required and must be "1.0" or "2.0"',
    text: `${FUNCTIONS}apis:
  - name: shop
    routes:
      - routeKey: GET /a
        target: integrations/a
      - routeKey: GET /b
        target: integrations/b
    integrations:
      - integrationId: a
        integrationType: AWS_PROXY
        integrationUri: fn
      - integrationId: b
        integrationType: AWS_PROXY
        integrationUri: fn
        payloadFormatVersion: "3.0"
`,
    expect: [
      { at: '- integrationId: a', path: 'apis[0].integrations[0].payloadFormatVersion', message: /payloadFormatVersion is required/ },
      { at: 'payloadFormatVersion: "3.0"', path: 'apis[0].integrations[1].payloadFormatVersion', message: 'payloadFormatVersion must be "1.0" or "2.0"' },
    ],
  },
  {
    name: 'timeoutInMillis outside 50-30000 (49, 30001) is refused',
    text: `${FUNCTIONS}apis:
  - name: shop
    routes:
      - routeKey: GET /a
        target: integrations/a
      - routeKey: GET /b
        target: integrations/b
    integrations:
      - integrationId: a
        integrationType: AWS_PROXY
        integrationUri: fn
        payloadFormatVersion: "2.0"
        timeoutInMillis: 49
      - integrationId: b
        integrationType: AWS_PROXY
        integrationUri: fn
        payloadFormatVersion: "2.0"
        timeoutInMillis: 30001
`,
    expect: [
      { at: 'timeoutInMillis: 49', path: 'apis[0].integrations[0].timeoutInMillis', message: /timeoutInMillis must be between 50 and 30000/ },
      { at: 'timeoutInMillis: 30001', path: 'apis[0].integrations[1].timeoutInMillis', message: /timeoutInMillis must be between 50 and 30000/ },
    ],
  },
  {
    name: 'a handler module that does not exist is refused, listing the .js, .mjs, .cjs, .ts, .mts and .cts files tried',
    text: `functions:
  fn:
    handler: echo.handler
  lost:
    handler: lib/nothere.handler
apis:
  - name: shop
    routes: []
`,
    expect: [{ at: 'handler: lib/nothere.handler', path: 'functions.lost.handler', message: /^handler module not found: tried .*nothere\.js, .*nothere\.mjs, .*nothere\.cjs, .*nothere\.ts, .*nothere\.mts, .*nothere\.cts$/ }],
  },
  {
    name: 'a handler string without an export name is refused',
    text: `functions:
  fn:
    handler: echo.handler
  noexport:
    handler: lib/justafile
  trailingdot:
    handler: lib/echo.
apis:
  - name: shop
    routes: []
`,
    expect: [
      { at: 'handler: lib/justafile', path: 'functions.noexport.handler', message: 'handler "lib/justafile" must look like "path/to/file.exportName"' },
      { at: 'handler: lib/echo.', path: 'functions.trailingdot.handler', message: 'handler "lib/echo." must look like "path/to/file.exportName"' },
    ],
  },
  {
    name: 'a duplicate stage name is refused at the second stage',
    text: apiWithStages(`      - stageName: dev
      - stageName: dev
`),
    expect: [{ at: { text: 'stageName: dev', nth: 2 }, path: 'apis[0].stages[1].stageName', message: 'stage "dev" already exists' }],
  },
  {
    name: 'an invalid stage name is refused',
    text: apiWithStages(`      - stageName: v1.0
`),
    expect: [{ at: 'stageName: v1.0', path: 'apis[0].stages[0].stageName', message: /^stage names are letters, digits, "-" and "_"/ }],
  },
  {
    name: 'a stage variable value with a forbidden character is refused',
    text: apiWithStages(`      - stageName: dev
        stageVariables:
          greeting: "hello world"
`),
    expect: [
      {
        at: ['greeting: "hello world"', 'stageVariables:'],
        path: 'apis[0].stages[0].stageVariables.greeting',
        message: /^stage variable values must match \[A-Za-z0-9-\._~:\/\?#&=,\]\+/,
      },
    ],
  },
  {
    name: 'the same apiId on two APIs is refused, naming where it was first used',
    text: `${FUNCTIONS}apis:
  - name: first
    apiId: dup001
    routes: []
  - apiId: dup001
    name: second
    routes: []
`,
    expect: [{ at: '- apiId: dup001', path: /^apis\[1\](\.apiId)?$/, message: /^apiId "dup001" is already used by .*gatehouse\.yaml:5$/ }],
  },
  {
    name: 'a route with authorizationType JWT but no authorizerId is refused, never served without an authorizer',
    text: apiWithRoutes(`      - routeKey: GET /x
        target: integrations/fn
        authorizationType: JWT
`),
    expect: [
      {
        at: ['routeKey: GET /x', 'authorizationType: JWT'],
        path: 'apis[0].routes[0].authorizerId',
        message: /^authorizationType JWT needs an authorizerId$/,
      },
    ],
  },
  {
    name: 'an HTTP_PROXY integration with payload format 2.0 is refused: HTTP proxies use 1.0',
    text: apiWithIntegration(`      - integrationId: i
        integrationType: HTTP_PROXY
        integrationMethod: ANY
        integrationUri: https://example.com
        payloadFormatVersion: "2.0"
`),
    expect: [{ at: ['- integrationId: i', 'payloadFormatVersion: "2.0"'], path: 'apis[0].integrations[0].payloadFormatVersion', message: /^payloadFormatVersion must be "1.0" for HTTP_PROXY integrations$/ }],
  },
  {
    name: 'a MOCK integration is refused as not valid for HTTP APIs',
    text: apiWithIntegration(`      - integrationId: i
        integrationType: MOCK
        integrationUri: fn
        payloadFormatVersion: "1.0"
`),
    expect: [{ at: ['- integrationId: i', 'integrationType: MOCK'], path: 'apis[0].integrations[0].integrationType', message: /integrationType MOCK is not supported for HTTP APIs/ }],
  },
  {
    name: 'corsConfiguration with credentials and a wildcard origin is refused with AWS wording, while accessLogSettings and routeSettings are accepted',
    text: apiWithStages(`      - stageName: dev
        accessLogSettings:
          format: $context.requestId
        routeSettings:
          GET /x:
            throttlingRateLimit: 10
`).replace('    apiId: shop001\n', `    apiId: shop001
    corsConfiguration:
      allowOrigins: ["*"]
      allowCredentials: true
`),
    expect: [
      { at: ['corsConfiguration:', 'allowCredentials:'], path: 'apis[0].corsConfiguration.allowCredentials', message: /^allow-credentials is not supported if 'allow-origin' is \*$/ },
    ],
  },
  {
    name: 'a WEBSOCKET API without named stages is refused: clients connect to /{stageName}',
    text: `${FUNCTIONS}apis:
  - name: chat
    protocolType: WEBSOCKET
    routeSelectionExpression: $request.body.action
    routes: []
`,
    expect: [{ at: ['- name: chat'], path: 'apis[0].stages', message: /^a WebSocket API needs named stages/ }],
  },
  {
    name: 'several independent mistakes across functions, APIs, routes and stages are all reported in one run',
    text: `functions:
  fn:
    handler: echo.handler
  broken:
    handler: echo.handler
    memorySize: 64
apis:
  - name: first
    routes:
      - routeKey: GET /a/
        target: integrations/fn
      - routeKey: GET /b
        target: integrations/missing
    integrations:
      - integrationId: fn
        integrationType: AWS_PROXY
        integrationUri: fn
        payloadFormatVersion: "2.0"
    stages:
      - stageName: bad stage
  - name: second
    routes:
      - routeKey: ANY /c
        target: integrations/j
      - routeKey: ANY /c
        target: integrations/j
    integrations:
      - integrationId: j
        integrationType: AWS_PROXY
        integrationUri: nobody
        payloadFormatVersion: "1.0"
`,
    expect: [
      { at: 'memorySize: 64', path: 'functions.broken.memorySize', message: /must be >= 128/ },
      { at: 'routeKey: GET /a/', path: 'apis[0].routes[0].routeKey', message: /One or more path parts appear to be invalid/ },
      { at: 'target: integrations/missing', path: 'apis[0].routes[1].target', message: /integration "missing" does not exist/ },
      { at: 'stageName: bad stage', path: 'apis[0].stages[0].stageName', message: /^stage names are/ },
      { at: { text: 'routeKey: ANY /c', nth: 2 }, path: 'apis[1].routes[1].routeKey', message: "Route with key 'ANY /c' already exists" },
      { at: 'integrationUri: nobody', path: 'apis[1].integrations[0].integrationUri', message: /function "nobody" is not defined/ },
    ],
  },
  {
    name: 'an unknown field in one route does not hide a bad route key in another route of the same API',
    text: apiWithRoutes(`      - routeKey: GET /x
        target: integrations/fn
        colour: blue
      - routeKey: GET /y/
        target: integrations/fn
`),
    expect: [
      { at: 'colour: blue', path: 'apis[0].routes[0].colour', message: /^unknown field "colour"/ },
      { at: 'routeKey: GET /y/', path: 'apis[0].routes[1].routeKey', message: /One or more path parts appear to be invalid/ },
    ],
  },
  {
    name: 'a function with a mistake of its own is not also reported as undefined where an integration names it',
    text: `functions:
  fn:
    handler: echo.handler
    timeout: 0
apis:
  - name: shop
    routes:
      - routeKey: GET /x
        target: integrations/fn
${FN_INTEGRATION}`,
    expect: [{ at: 'timeout: 0', path: 'functions.fn.timeout', message: /must be >= 1/ }],
  },
  {
    name: 'a JSON config gets line numbers in its issues too',
    file: 'gatehouse.json',
    text: `{
  "functions": {
    "fn": { "handler": "echo.handler" }
  },
  "apis": [
    {
      "name": "shop",
      "routez": [],
      "routes": [
        { "routeKey": "GET /x", "target": "integrations/fn" },
        { "routeKey": "GET /{proxy+}/tail", "target": "integrations/fn" }
      ],
      "integrations": [
        { "integrationId": "fn", "integrationType": "AWS_PROXY", "integrationUri": "fn", "payloadFormatVersion": "2.0" }
      ]
    },
    {
      "name": "other",
      "routes": [{ "routeKey": "GET /x", "target": "integrations/nope" }]
    }
  ]
}
`,
    expect: [
      { at: '"routez"', path: 'apis[0].routez', message: /^unknown field "routez"/ },
      { at: '"GET /{proxy+}/tail"', path: 'apis[0].routes[1].routeKey', message: /must be the last path part/ },
      { at: '"integrations/nope"', path: 'apis[1].routes[0].target', message: /integration "nope" does not exist/ },
    ],
  },
  {
    name: 'a JSON syntax error is reported with its line',
    file: 'gatehouse.json',
    text: `{
  "functions": {
    "fn": { "handler": "echo.handler" }
  }
  "apis": []
}
`,
    expect: [{ at: '"apis": []', path: '(root)', message: /^cannot parse: / }],
  },
  {
    name: 'a VTL error in a WebSocket mapping template names the file line of the template line at fault',
    text: `apis:
  - name: chat
    protocolType: WEBSOCKET
    routeSelectionExpression: $request.body.action
    routes:
      - routeKey: $default
        target: integrations/m
    integrations:
      - integrationId: m
        integrationType: MOCK
        requestTemplates:
          $default: |
            #set($a = 1)
            #foreach($i in $input.path('$.x'))$i
        integrationResponses:
          - integrationResponseKey: $default
            responseTemplates:
              $default: "#include('x.vm')"
    stages:
      - stageName: dev
`,
    expect: [
      { at: "#foreach($i in", path: 'apis[0].integrations[0].requestTemplates.$default', message: /^VTL syntax error: #foreach has no #end \(template line 2, column 1\)$/ },
      { at: "$default: \"#include", path: 'apis[0].integrations[0].integrationResponses[0].responseTemplates.$default', message: /^#include is not a directive API Gateway runs/ },
    ],
  },
  {
    name: 'first-class integrations: unknown subtype, missing and unknown parameters, a bad mapping value, each at its line',
    text: apiWithIntegration(`      - integrationId: i
        integrationType: AWS_PROXY
        integrationSubtype: SQS-SendMessage
        payloadFormatVersion: "1.0"
        requestParameters:
          QueueUrl: $request.nope.x
          MessageBdy: $request.body
      - integrationId: j
        integrationType: AWS_PROXY
        integrationSubtype: SQS-Send
        payloadFormatVersion: "2.0"
`),
    expect: [
      { at: 'QueueUrl: $request.nope', path: 'apis[0].integrations[0].requestParameters.QueueUrl', message: /^\$request\.nope\.x is not a mapping variable/ },
      { at: 'MessageBdy:', path: 'apis[0].integrations[0].requestParameters.MessageBdy', message: /^SQS-SendMessage takes no parameter "MessageBdy" \(it takes QueueUrl, MessageBody, / },
      { at: 'requestParameters:', path: 'apis[0].integrations[0].requestParameters', message: /^SQS-SendMessage requires MessageBody in requestParameters$/ },
      { at: { text: 'integrationSubtype: SQS-Send', nth: 2 }, path: 'apis[0].integrations[1].integrationSubtype', message: /^integrationSubtype "SQS-Send" is not one of SQS-SendMessage, / },
      { at: 'payloadFormatVersion: "2.0"', path: 'apis[0].integrations[1].payloadFormatVersion', message: /^payloadFormatVersion must be "1\.0" for first-class integrations$/ },
    ],
  },
]

for (const c of cases) test(c.name, (t) => runCase(t, c))

test('a config object gets the same checks, with the issue naming "<config object>" and no line', () => {
  const config = singleFunctionApi({ handler: 'echo.handler', routeKeys: ['GET /x', 'GET /x'] })
  const result = loadConfigObject(config, handlersDir)
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.deepEqual(result.issues, [
    { file: '<config object>', line: undefined, path: 'apis[0].routes[1].routeKey', message: "Route with key 'GET /x' already exists" },
  ])
})

test('an HTTP API has at most 300 routes unless serviceQuotas.routesPerApi raises the quota', () => {
  const routeKeys = Array.from({ length: 301 }, (_, i) => `GET /r${i}/{id}`)
  const over = loadConfigObject(singleFunctionApi({ handler: 'echo.handler', routeKeys }), handlersDir)
  assert.equal(over.ok, false)
  if (over.ok) return
  assert.deepEqual(over.issues, [
    { file: '<config object>', line: undefined, path: 'apis[0].routes', message: 'an HTTP API has at most 300 routes (raise the quota with serviceQuotas.routesPerApi)' },
  ])
  const raised = loadConfigObject({ ...singleFunctionApi({ handler: 'echo.handler', routeKeys }), serviceQuotas: { routesPerApi: 1000 } }, handlersDir)
  assert.equal(raised.ok, true)
  const under = loadConfigObject({ ...singleFunctionApi({ handler: 'echo.handler', routeKeys }), serviceQuotas: { routesPerApi: 300 } }, handlersDir)
  assert.equal(under.ok, false)
  const wrong = loadConfigObject({ ...singleFunctionApi({ handler: 'echo.handler', routeKeys: ['GET /x'] }), serviceQuotas: { routesPerApi: 0 } }, handlersDir)
  assert.equal(wrong.ok, false)
})

test('a gateway refuses to start a config whose JWT route names a missing authorizer instead of serving it unprotected', async () => {
  const config = singleFunctionApi({ handler: 'echo.handler', routeKeys: ['GET /open', 'GET /secret'] }) as {
    apis: { routes: Record<string, unknown>[] }[]
  }
  const secret = config.apis[0]?.routes[1]
  assert.ok(secret !== undefined)
  secret['authorizationType'] = 'JWT'
  secret['authorizerId'] = 'abc123'
  const gateway = createGateway(config, { baseDir: handlersDir, logLevel: 'silent', functionLogs: 'silent', port: 0 })
  await assert.rejects(gateway.start(), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.ok(err.issues.length > 0)
    for (const issue of err.issues) {
      assert.equal(issue.path, 'apis[0].routes[1].authorizerId')
      assert.match(issue.message, /^authorizer "abc123" does not exist in this API$/)
    }
    return true
  })
  // Nothing was started, so there is nothing to stop; stop() is a no-op.
  await gateway.stop()
})
