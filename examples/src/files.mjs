// Greedy route `GET /files/{proxy+}`: the rest of the path arrives in pathParameters.proxy.
const PIXEL = 'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=='

export async function handler(event) {
  const path = event.pathParameters.proxy
  if (path.endsWith('.gif')) {
    return { statusCode: 200, headers: { 'content-type': 'image/gif' }, isBase64Encoded: true, body: PIXEL }
  }
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: `you asked for ${path}\n` }
}
