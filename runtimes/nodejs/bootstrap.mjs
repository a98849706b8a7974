// Gatehouse's Node.js runtime for functions with `isolation: process`: the handler in a
// process of its own, speaking the Lambda Runtime API as AWS's Node.js runtime does (the
// context object, callback or async handlers, console lines in Lambda's format, errors as
// {errorType, errorMessage, trace}).
import http from 'node:http'
import { format } from 'node:util'
import { pathToFileURL } from 'node:url'

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':')
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
const PREFIX = '/2018-06-01/runtime'

function call(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: PREFIX + path, agent, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

let currentRequestId
// Lambda's console format: time, request id, level, message.
for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[method] = (...args) => {
    const text = `${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}`
    process.stdout.write(text.replace(/\n/g, '\r') + '\n')
  }
}

function errorOf(err) {
  if (err instanceof Error) {
    return { errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') }
  }
  return { errorType: typeof err === 'string' ? 'string' : typeof err, errorMessage: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err), trace: [] }
}

async function postError(path, err, type) {
  const error = errorOf(err)
  const body = JSON.stringify({ errorType: type ?? error.errorType, errorMessage: error.errorMessage, stackTrace: error.trace })
  await call('POST', path, body, { 'lambda-runtime-function-error-type': type ?? error.errorType })
  return error
}

async function loadHandler() {
  const file = process.env.GATEHOUSE_HANDLER_FILE
  const path = process.env.GATEHOUSE_HANDLER_EXPORT.split('.')
  let value
  try {
    value = await import(pathToFileURL(file).href)
  } catch (err) {
    const error = errorOf(err)
    throw Object.assign(new Error(`${error.errorType}: ${error.errorMessage}`), { name: 'Runtime.ImportModuleError', stack: err?.stack })
  }
  // A CommonJS module's exports arrive as `default`.
  const root = value
  for (const key of path) value = value?.[key] ?? (value === root ? root.default?.[key] : undefined)
  if (typeof value !== 'function') {
    throw Object.assign(new Error(`${process.env._HANDLER} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' })
  }
  return value
}

function contextOf(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'])
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done() {},
    succeed() {},
    fail() {},
  }
}

function invoke(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (err, result) => (err !== undefined && err !== null ? reject(err) : resolve(result))
    try {
      const returned = handler(event, context, callback)
      if (returned !== undefined && typeof returned.then === 'function') returned.then(resolve, reject)
      else if (handler.length < 3) resolve(returned)
    } catch (err) {
      reject(err)
    }
  })
}

let handler
try {
  handler = await loadHandler()
} catch (err) {
  const error = await postError('/init/error', err, err.name)
  console.error(`Uncaught Exception \t${JSON.stringify({ errorType: err.name, errorMessage: error.errorMessage, stack: error.trace })}`)
  process.exit(1)
}

for (;;) {
  const next = await call('GET', '/invocation/next')
  if (next.status !== 200) {
    process.stderr.write(`Runtime API /next answered ${next.status}: ${next.body}\n`)
    process.exit(1)
  }
  const id = next.headers['lambda-runtime-aws-request-id']
  currentRequestId = id
  process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'] ?? ''
  try {
    const result = await invoke(handler, JSON.parse(next.body), contextOf(next.headers))
    await call('POST', `/invocation/${id}/response`, JSON.stringify(result) ?? 'null')
  } catch (err) {
    const error = errorOf(err)
    console.error(`Invoke Error \t${JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, stack: error.trace })}`)
    await postError(`/invocation/${id}/error`, err)
  }
}
