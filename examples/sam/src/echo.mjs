// One function behind every route of the WebSocket API: $connect accepts a client that gives
// a name, `echo` answers on the same socket (a two-way route), $disconnect is told.
export const handler = async (event) => {
  const { routeKey, connectionId } = event.requestContext
  if (routeKey === '$connect') {
    return event.queryStringParameters?.name ? { statusCode: 200 } : { statusCode: 401, body: 'name required' }
  }
  if (routeKey === '$disconnect') return { statusCode: 200 }
  const { message } = JSON.parse(event.body ?? '{}')
  return { statusCode: 200, body: JSON.stringify({ echo: message, connectionId }) }
}
