// Payload format 2.0 handler. State lives in the execution environment, as on Lambda:
// warm invocations see it, a cold start (or a second concurrent environment) does not.
const pets = new Map([
  ['1', { id: '1', name: 'Rex', kind: 'dog' }],
  ['2', { id: '2', name: 'Tom', kind: 'cat' }],
])

export const handler = async (event, context) => {
  const { method } = event.requestContext.http
  if (method === 'GET' && event.pathParameters?.petId) {
    const pet = pets.get(event.pathParameters.petId)
    if (!pet) return { statusCode: 404, body: JSON.stringify({ message: 'no such pet' }) }
    return pet // inferred response: 200, application/json
  }
  if (method === 'POST') {
    const input = JSON.parse(event.body ?? '{}')
    const id = String(pets.size + 1)
    pets.set(id, { id, name: input.name, kind: input.kind })
    console.log('created pet', id, 'in', context.functionName)
    return {
      statusCode: 201,
      headers: { 'content-type': 'application/json', location: `/pets/${id}` },
      body: JSON.stringify(pets.get(id)),
    }
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: ['visited=yes; Path=/'],
    body: JSON.stringify({ shop: process.env.SHOP_NAME, stage: event.requestContext.stage, pets: [...pets.values()] }),
  }
}
