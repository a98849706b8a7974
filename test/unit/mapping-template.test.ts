// Mapping templates (VTL) as API Gateway runs them (spec 10.5), on velocityjs: directives,
// `$input`, `$util`, `$context`, `$stageVariables`, the examples of AWS's mapping-template
// reference, the #foreach cap, and the errors reported at compile time (with template line)
// and at render time.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileMappingTemplate, MAX_FOREACH_ITERATIONS, MAX_TEMPLATE_BYTES, type MappingTemplateInput } from '../../src/integrations/index.js'
import { escapeJavaScript, urlDecode, urlEncode } from '../../src/integrations/mapping-template/util-functions.js'

function input(body: unknown, extra: Partial<MappingTemplateInput> = {}): MappingTemplateInput {
  return {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    params: { path: {}, querystring: {}, header: {} },
    context: { connectionId: 'c-1', identity: { sourceIp: '127.0.0.1' }, authorizer: { principalId: 'me' } },
    stageVariables: { table: 'Chat' },
    ...extra,
  }
}

function render(template: string, body: unknown = {}, extra: Partial<MappingTemplateInput> = {}): string {
  const compiled = compileMappingTemplate(template)
  if (!compiled.ok) throw new Error(compiled.reason)
  const out = compiled.template.render(input(body, extra))
  if (!out.ok) throw new Error(out.reason)
  return out.output
}

function renderError(template: string, body: unknown = {}): string {
  const compiled = compileMappingTemplate(template)
  if (!compiled.ok) throw new Error(compiled.reason)
  const out = compiled.template.render(input(body))
  assert.equal(out.ok, false, 'the render should fail')
  return out.ok ? '' : out.reason
}

test('#set, #if/#elseif/#else choose text', () => {
  const t = '#set($n = $input.path(\'$.n\'))#if($n == 1)one#elseif($n == 2)two#{else}many#end'
  assert.equal(render(t, { n: 1 }), 'one')
  assert.equal(render(t, { n: 2 }), 'two')
  assert.equal(render(t, { n: 7 }), 'many')
})

test('#foreach with $foreach.hasNext builds a JSON list (AWS reference example)', () => {
  const t = `#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot)
  {"number": $elem.id, "class": "$elem.type", "salesPrice": $elem.price}#if($foreach.hasNext),#end

#end
]`
  const pets = [
    { id: 1, type: 'dog', price: 249.99 },
    { id: 2, type: 'cat', price: 124.99 },
  ]
  assert.deepEqual(JSON.parse(render(t, pets)), [
    { number: 1, class: 'dog', salesPrice: 249.99 },
    { number: 2, class: 'cat', salesPrice: 124.99 },
  ])
})

test('#break stops the loop at once, the rest of the iteration included', () => {
  assert.equal(render('#foreach($i in [1..5])$i#if($i == 3)#break#end-#end'), '1-2-3')
})

test(`#foreach runs at most ${MAX_FOREACH_ITERATIONS} iterations; more is a render error`, () => {
  const t = "#foreach($i in $input.path('$.items'))x#end"
  assert.equal(render(t, { items: Array.from({ length: MAX_FOREACH_ITERATIONS }, (_, i) => i) }).length, MAX_FOREACH_ITERATIONS)
  assert.match(renderError(t, { items: Array.from({ length: MAX_FOREACH_ITERATIONS + 1 }, (_, i) => i) }), /#foreach over 1001 items: API Gateway runs at most 1000 iterations \(template line 1\)/)
})

test('nested #foreach loops and a map: keySet, get, size', () => {
  const t = "#set($m = $input.path('$.m'))#foreach($k in $m.keySet())$k=#foreach($v in $m.get($k))$v#end;#end size=$m.size()"
  assert.equal(render(t, { m: { a: [1, 2], b: [3] } }), 'a=12;b=3; size=2')
})

test('$input.json gives JSON text, $input.path gives the value (a Java-style rendering for objects)', () => {
  const body = { name: 'Ann', n: 3, obj: { a: [1, 'x'] }, list: [{ id: 1 }, { id: 2 }] }
  assert.equal(render("$input.json('$.name')|$input.path('$.name')", body), '"Ann"|Ann')
  assert.equal(render("$input.json('$.obj')", body), '{"a":[1,"x"]}')
  assert.equal(render("$input.path('$.obj')", body), '{a=[1, x]}')
  assert.equal(render("$input.json('$.list[*].id')|$input.json('$..id')|$input.json('$.list[-1].id')", body), '[1,2]|[1,2]|2')
  assert.equal(render("$input.json('$.nope')|[$input.path('$.nope')]", body), 'null|[]')
  assert.equal(render("$input.path('$.list').size()|$input.path('$.list')[1].id", body), '2|2')
  assert.equal(render("[$input.json('$.a')][$input.path('$.a')]", 'not json'), '[][]')
  assert.equal(render('$input.body', 'raw text'), 'raw text')
})

test('$input.params() gives path, querystring and header; $input.params(name) looks in that order', () => {
  const params = { path: { id: 'p1' }, querystring: { id: 'q1', q: 'only-q' }, header: { 'X-Only': 'h' } }
  assert.equal(render("$input.params('id')|$input.params('q')|$input.params('x-only')|[$input.params('none')]", {}, { params }), 'p1|only-q|h|[]')
  assert.equal(render('#foreach($k in $input.params().querystring.keySet())$k=$input.params().querystring.get($k);#end', {}, { params }), 'id=q1;q=only-q;')
})

test('$context and $stageVariables, in every reference form; undefined references render empty', () => {
  assert.equal(
    render('$context.connectionId ${context.identity.sourceIp} $context.authorizer.principalId $stageVariables.table $!{stageVariables.none}[$context.nope][$stageVariables.nope]'),
    'c-1 127.0.0.1 me Chat [][]'
  )
})

test('$util functions match Java output', () => {
  assert.equal(escapeJavaScript(`a"b'c\\d/e\nf\té\u0001`), 'a\\"b\\\'c\\\\d\\/e\\nf\\t\\u00E9\\u0001')
  assert.equal(escapeJavaScript('\u007f\u0080\u20ac'), '\u007f\\u0080\\u20AC', 'DEL stays; U+0080 and above are escaped')
  assert.equal(urlEncode("a b&c=d/é*-._~!'()"), 'a+b%26c%3Dd%2F%C3%A9*-._%7E%21%27%28%29')
  assert.equal(urlDecode('a+b%26c'), 'a b&c')
  assert.equal(
    render("$util.escapeJavaScript($input.path('$.s'))|$util.base64Encode('hi there')|$util.base64Decode('aGkgdGhlcmU=')|$util.urlEncode('a b')|$util.urlDecode('a+b%2F')", { s: 'say "hi"' }),
    'say \\"hi\\"|aGkgdGhlcmU=|hi there|a+b|a b/'
  )
  assert.equal(render("#set($o = $util.parseJson($input.path('$.inner')))$o.k", { inner: '{"k":"v"}' }), 'v')
})

test('$util.parseJson of bad JSON is a render error', () => {
  assert.match(renderError("$util.parseJson('{nope')"), /\$util\.parseJson:/)
})

test('AWS reference example: a DynamoDB PutItem request from a WebSocket message', () => {
  const t = `{
    "TableName": "$stageVariables.table",
    "Item": {
      "connectionId": {"S": "$context.connectionId"},
      "message": {"S": "$util.escapeJavaScript($input.path('$.message'))"}
    }
}`
  assert.deepEqual(JSON.parse(render(t, { message: 'hello "you"' })), {
    TableName: 'Chat',
    Item: { connectionId: { S: 'c-1' }, message: { S: 'hello "you"' } },
  })
})

test('null values render empty', () => {
  assert.equal(render("[$input.path('$.n')]#set($x = $input.path('$.n'))[$x]", { n: null }), '[][]')
})

test('#macro is allowed; unknown directives are compile errors naming the template line', () => {
  assert.equal(render('#macro(twice $v)$v$v#end#twice("ab")'), 'abab')
  for (const [t, re] of [
    ['line one\n#include("x.vm")', /#include is not a directive API Gateway runs .*template line 2, column 1/],
    ['#parse("y")', /#parse is not a directive/],
    ['a\nb\n#if($x\n', /VTL syntax error at template line 3/],
    ["#set($a = $input.json('nope'))", /\$input\.json: JSONPath "nope" must start with \$/],
    ["$input.path('$.a[?(@.x)]')", /is not supported/],
  ] as const) {
    const compiled = compileMappingTemplate(t)
    assert.equal(compiled.ok, false, t)
    if (!compiled.ok) assert.match(compiled.reason, re)
  }
})

test(`a template over ${MAX_TEMPLATE_BYTES} bytes is refused`, () => {
  const compiled = compileMappingTemplate('x'.repeat(MAX_TEMPLATE_BYTES + 1))
  assert.equal(compiled.ok, false)
})

test('the prototype chain is out of reach', () => {
  assert.equal(render('[$input.constructor][$context.__proto__]'), '[][]')
})

test('blocks must be closed, and #end must close one (velocityjs would accept both)', () => {
  for (const [t, re] of [
    ['#foreach($i in $x)$i', /#foreach has no #end \(template line 1, column 1\)/],
    ['ok\n  #if($a)x#{else}y', /#if has no #end \(template line 2, column 3\)/],
    ['x#end', /#end closes no block \(template line 1, column 2\)/],
  ] as const) {
    const compiled = compileMappingTemplate(t)
    assert.equal(compiled.ok, false, t)
    if (!compiled.ok) assert.match(compiled.reason, re)
  }
  // Comments, raw blocks and escapes hold no directives.
  assert.equal(render('## #if\n#* #foreach *#\\#end#[[#if]]#'), '#end#if')
})

test("Java's String methods: replaceAll/replaceFirst take a regex, length(), split, contains, matches, equalsIgnoreCase", () => {
  const body = { t: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', csv: 'a,b,,c,,' }
  assert.equal(render("$input.path('$.t').replaceAll('.*#', '')", body), 'ResourceNotFoundException')
  assert.equal(render("$input.path('$.csv').replaceFirst(',+', '-')|$input.path('$.csv').replaceAll('(\\w)', '[$1]')", body), 'a-b,,c,,|[a],[b],,[c],,')
  assert.equal(render("$input.path('$.csv').length()|$input.path('$.csv').split(',').size()|$input.path('$.csv').contains('b,')", body), '8|4|true')
  assert.equal(render("$input.path('$.csv').matches('[a-c,]+')|$input.path('$.csv').matches('a')|#set($s = 'AbC')#if($s.equalsIgnoreCase('abc'))same#end", body), 'true|false|same')
})

test('#stop ends the template, written #stop, #{stop} or #stop()', () => {
  assert.equal(render('a#stop b'), 'a')
  assert.equal(render('a#{stop}b'), 'a')
  assert.equal(render('#set($x = 1)$x#stop()\nrest'), '1')
  assert.equal(render('a\\#stop b'), 'a#stop b', 'escaped')
})
