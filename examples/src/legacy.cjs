// Payload format 1.0, CommonJS, callback style: the REST-shaped event and response.
exports.handler = function (event, context, callback) {
  callback(null, {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: { 'x-legacy': ['one', 'two'] },
    body: JSON.stringify({
      resource: event.resource,
      path: event.path,
      method: event.httpMethod,
      query: event.multiValueQueryStringParameters,
      stage: event.requestContext.stage,
    }),
  })
}
